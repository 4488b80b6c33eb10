/// <reference types="mocha" />
// The revision-2 controls: textarea, radio buttons, multiselect, consent and password. Each is
// labelled, hinted, checked as the user goes with its error announced, usable with the keyboard
// alone, sent as the wire wants it, restored from the draft (never a password), accessible in both
// themes, usable at 320 px and at 200 % zoom, and in Spanish.
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { emulateMedia, sendKeys, setViewport } from '@web/test-runner-commands';
import type { ProgressiveProfile } from '../../widget/progressive-profile.js';
import {
  $,
  $$,
  CONTINUE,
  R2_FORM,
  SESSION,
  blur,
  captureConsole,
  errorOf,
  groupErrorOf,
  groupOf,
  hintOf,
  inputOf,
  json,
  mount,
  noticeOf,
  optionOf,
  r2FormOf,
  reset,
  stubFetch,
  submit,
  tick,
  type,
} from './helpers.js';
import { expectAccessible } from './accessibility.js';

const SECRET = ' Tr0ub4dor&3 horse ';

/** Fills every required R2 field with valid values. */
async function fillR2(element: ProgressiveProfile): Promise<void> {
  await type(element, 'About you', 'Hello');
  await tick(element, 'Plan', 'Pro');
  await type(element, 'I accept the terms', true);
  await type(element, 'Password', SECRET);
}

/** Submits and resolves with the body of POST /submit; the page continues the login itself. */
async function submitted(element: ProgressiveProfile, calls: { method: string; body?: any }[]): Promise<any> {
  element.addEventListener('pp-success', (event) => event.preventDefault());
  const success = oneEvent(element, 'pp-success');
  await submit(element);
  await success;
  return calls.find((call) => call.method === 'POST')!.body;
}

/** The live error container of a field or group (`e3` beside the control `f3`), whether it shows an error or not. */
function errorContainerOf(control: Element): HTMLElement {
  const input = control.localName === 'fieldset' ? control.querySelector('input')! : control;
  return (control.getRootNode() as ShadowRoot).getElementById(`e${input.id.slice(1)}`)!;
}

describe('<progressive-profile> textarea', () => {
  afterEach(reset);

  it('is a labelled, hinted multi-line field whose too_long error is announced and whose line breaks reach the wire', async () => {
    const calls = stubFetch(r2FormOf(['bio']), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    const bio = inputOf(element, 'About you');
    expect(bio.localName).to.equal('textarea');
    expect(bio.required).to.equal(true);
    expect(hintOf(bio)).to.equal('A line or two');
    const live = errorContainerOf(bio);
    expect(live.getAttribute('aria-live')).to.equal('polite');
    await type(element, 'About you', 'x'.repeat(41));
    await blur(element, 'About you');
    expect(errorOf(element, 'About you')).to.equal('At most 40 characters.');
    expect(errorContainerOf(bio)).to.equal(live);
    expect(bio.getAttribute('aria-invalid')).to.equal('true');
    // Enter makes a new line, never a submit.
    bio.value = '';
    bio.focus();
    await sendKeys({ type: '  First line' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ type: 'Second line  ' });
    await element.updateComplete;
    expect(errorOf(element, 'About you')).to.equal(null);
    expect(calls.filter((call) => call.method === 'POST')).to.have.length(0);
    expect((await submitted(element, calls)).values).to.deep.equal({ bio: 'First line\nSecond line' });
  });

  it('comes back from the draft', async () => {
    stubFetch(r2FormOf(['bio']));
    const first = await mount(SESSION);
    await type(first, 'About you', 'One\ntwo');
    first.remove();
    const again = await mount(SESSION);
    expect(inputOf(again, 'About you').value).to.equal('One\ntwo');
  });
});

describe('<progressive-profile> radio buttons', () => {
  afterEach(reset);

  it('are native radio buttons in a fieldset named by its legend, chosen with the arrow keys, with a required error announced', async () => {
    const calls = stubFetch(r2FormOf(['plan']), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    const group = groupOf(element, 'Plan');
    expect(group.localName).to.equal('fieldset');
    expect(group.querySelector('legend')!.textContent!.replace(/\s+/g, ' ').trim()).to.equal('Plan *');
    const radios = [...group.querySelectorAll('input')];
    expect(radios.map((radio) => [radio.type, radio.value, radio.required])).to.deep.equal([
      ['radio', 'free', true],
      ['radio', 'pro', true],
      ['radio', 'team', true],
    ]);
    expect(new Set(radios.map((radio) => radio.name)).size).to.equal(1);
    const live = errorContainerOf(group);
    await submit(element);
    expect(groupErrorOf(element, 'Plan')).to.equal('This field is required.');
    expect(errorContainerOf(group)).to.equal(live);
    expect(live.getAttribute('aria-live')).to.equal('polite');
    expect(element.shadowRoot!.activeElement).to.equal(radios[0]);
    await sendKeys({ press: 'ArrowDown' });
    await element.updateComplete;
    expect(radios[1].checked).to.equal(true);
    expect(groupErrorOf(element, 'Plan')).to.equal(null);
    expect(noticeOf(element)).to.equal('');
    expect((await submitted(element, calls)).values).to.deep.equal({ plan: 'pro' });
  });

  it('come back from the draft', async () => {
    stubFetch(r2FormOf(['plan']));
    const first = await mount(SESSION);
    await tick(first, 'Plan', 'Team');
    first.remove();
    const again = await mount(SESSION);
    expect(optionOf(again, 'Plan', 'Team').checked).to.equal(true);
    expect(optionOf(again, 'Plan', 'Free').checked).to.equal(false);
  });
});

describe('<progressive-profile> multiselect', () => {
  afterEach(reset);

  it('is a fieldset of checkboxes with its bounds as a hint, too_few and too_many announced as the user ticks', async () => {
    const calls = stubFetch(r2FormOf(['topics']), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    const group = groupOf(element, 'Topics');
    expect([...group.querySelectorAll('input')].map((box) => box.type)).to.deep.equal(['checkbox', 'checkbox', 'checkbox', 'checkbox']);
    expect(hintOf(group)).to.equal('Choose 2 to 3.');
    const live = errorContainerOf(group);
    await tick(element, 'Topics', 'Sign-in');
    expect(groupErrorOf(element, 'Topics')).to.equal('Choose at least 2.');
    await tick(element, 'Topics', 'Billing');
    expect(groupErrorOf(element, 'Topics')).to.equal(null);
    await tick(element, 'Topics', 'API');
    await tick(element, 'Topics', 'Mobile apps');
    expect(groupErrorOf(element, 'Topics')).to.equal('Choose at most 3.');
    expect(errorContainerOf(group)).to.equal(live);
    expect(optionOf(element, 'Topics', 'API').getAttribute('aria-invalid')).to.equal('true');
    await tick(element, 'Topics', 'API', false);
    expect(groupErrorOf(element, 'Topics')).to.equal(null);
    expect((await submitted(element, calls)).values).to.deep.equal({ topics: ['auth', 'billing', 'mobile'] });
  });

  it('is ticked with Tab and Space alone, and sends nothing when optional and untouched', async () => {
    const calls = stubFetch(r2FormOf(['topics', 'bio']), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    optionOf(element, 'Topics', 'Sign-in').focus();
    await sendKeys({ press: 'Space' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Space' });
    await element.updateComplete;
    expect(groupErrorOf(element, 'Topics')).to.equal(null);
    await type(element, 'About you', 'Hi');
    expect((await submitted(element, calls)).values).to.deep.equal({ topics: ['auth', 'api'], bio: 'Hi' });
    reset();
    const none = stubFetch(r2FormOf(['topics', 'bio']), () => json(200, CONTINUE));
    const other = await mount(SESSION);
    await type(other, 'About you', 'Hi');
    expect((await submitted(other, none)).values).to.deep.equal({ bio: 'Hi' });
  });

  it('requires at least one item when required', async () => {
    stubFetch({ allow_skip: false, fields: [{ ...R2_FORM.fields[2], required: true, minItems: undefined, maxItems: undefined }] });
    const element = await mount(SESSION);
    expect(hintOf(groupOf(element, 'Topics'))).to.equal('Choose at least 1.');
    await submit(element);
    expect(groupErrorOf(element, 'Topics')).to.equal('This field is required.');
  });

  it('comes back from the draft as the list of ticked options', async () => {
    stubFetch(r2FormOf(['topics']));
    const first = await mount(SESSION);
    await tick(first, 'Topics', 'API');
    await tick(first, 'Topics', 'Billing');
    expect(JSON.parse(sessionStorage.getItem('pp-draft:auth0|alice')!)).to.deep.equal({ topics: ['billing', 'api'] });
    first.remove();
    const again = await mount(SESSION);
    expect([...groupOf(again, 'Topics').querySelectorAll('input')].map((box) => box.checked)).to.deep.equal([false, true, true, false]);
  });
});

describe('<progressive-profile> consent', () => {
  afterEach(reset);

  it('is a checkbox beside a link to the policy that opens a new tab, is reached by keyboard and never ticks the box', async () => {
    const calls = stubFetch(r2FormOf(['terms_2026']), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    const box = inputOf(element, 'I accept the terms');
    expect(box.type).to.equal('checkbox');
    expect(box.required).to.equal(true);
    const link = $(element, '[part="policy-link"]') as HTMLAnchorElement;
    expect(link.href).to.equal('https://example.com/terms');
    expect(link.target).to.equal('_blank');
    expect(link.rel).to.equal('noopener');
    expect(link.textContent!.trim()).to.equal('Read the policy (new tab)');
    expect(link.closest('label')).to.equal(null);
    box.focus();
    await sendKeys({ press: 'Tab' });
    expect(element.shadowRoot!.activeElement).to.equal(link);
    // Clicked (the tab it would open is stopped after the element has seen the click).
    const stopNavigation = (event: Event) => event.preventDefault();
    window.addEventListener('click', stopNavigation);
    try {
      link.click();
    } finally {
      window.removeEventListener('click', stopNavigation);
    }
    await element.updateComplete;
    expect(box.checked).to.equal(false);
    await submit(element);
    expect(errorOf(element, 'I accept the terms')).to.equal('This field is required.');
    box.focus();
    await sendKeys({ press: 'Space' });
    await element.updateComplete;
    expect(errorOf(element, 'I accept the terms')).to.equal(null);
    expect((await submitted(element, calls)).values).to.deep.equal({ terms_2026: true });
  });

  it('comes back from the draft', async () => {
    stubFetch(r2FormOf(['terms_2026']));
    const first = await mount(SESSION);
    await type(first, 'I accept the terms', true);
    first.remove();
    const again = await mount(SESSION);
    expect(inputOf(again, 'I accept the terms').checked).to.equal(true);
  });
});

describe('<progressive-profile> password', () => {
  afterEach(reset);

  it('is a new-password input with its rules in words before typing, and a show/hide toggle button', async () => {
    stubFetch(r2FormOf(['password']));
    const element = await mount(SESSION);
    const password = inputOf(element, 'Password');
    expect(password.type).to.equal('password');
    expect(password.autocomplete).to.equal('new-password');
    expect(hintOf(password)).to.equal('At least 8 characters. Use three of: lower-case, upper-case, digits, symbols.');
    const toggle = $(element, '[part="password-toggle"]') as HTMLButtonElement;
    expect(toggle.type).to.equal('button');
    expect(toggle.textContent!.trim()).to.equal('Show password');
    expect(toggle.getAttribute('aria-pressed')).to.equal('false');
    password.focus();
    await sendKeys({ type: 'abc' });
    await sendKeys({ press: 'Tab' });
    expect(element.shadowRoot!.activeElement).to.equal(toggle);
    await sendKeys({ press: 'Space' });
    await element.updateComplete;
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    expect(inputOf(element, 'Password').type).to.equal('text');
    expect(inputOf(element, 'Password').value).to.equal('abc');
    expect(toggle.textContent!.trim()).to.equal('Show password');
    toggle.click();
    await element.updateComplete;
    expect(toggle.getAttribute('aria-pressed')).to.equal('false');
    expect(inputOf(element, 'Password').type).to.equal('password');
    expect(errorOf(element, 'Password')).to.equal('At least 8 characters.');
  });

  for (const [policy, words] of [
    ['none', 'At least 1 characters.'],
    ['low', 'At least 6 characters.'],
    ['fair', 'At least 8 characters. Use lower-case and upper-case letters and a digit.'],
    ['excellent', 'At least 10 characters. Use three of: lower-case, upper-case, digits, symbols. No character more than twice in a row.'],
  ] as const) {
    it(`says the ${policy} policy in plain words`, async () => {
      const min_length = { none: 1, low: 6, fair: 8, excellent: 10 }[policy];
      stubFetch({ allow_skip: false, fields: [{ ...R2_FORM.fields[5], password_policy: { policy, min_length } }] });
      const element = await mount(SESSION);
      expect(hintOf(inputOf(element, 'Password'))).to.equal(words);
    });
  }

  it('sends the password exactly as typed, and shows Auth0\'s refusal beside the field', async () => {
    let attempts = 0;
    const calls = stubFetch(r2FormOf(['password']), () =>
      ++attempts === 1
        ? json(422, {
            error: 'invalid_fields',
            message: 'Some values are not valid.',
            fields: { password: 'password_policy' },
            messages: { password: 'PasswordStrengthError: Password is too weak' },
          })
        : json(200, CONTINUE),
    );
    const element = await mount(SESSION);
    await type(element, 'Password', SECRET);
    const failure = oneEvent(element, 'pp-error');
    await submit(element);
    await failure;
    await element.updateComplete;
    expect(calls[1].body.values).to.deep.equal({ password: SECRET });
    expect(errorOf(element, 'Password')).to.equal('PasswordStrengthError: Password is too weak');
    expect(element.shadowRoot!.activeElement).to.equal(inputOf(element, 'Password'));
    await type(element, 'Password', `${SECRET}!`);
    expect(errorOf(element, 'Password')).to.equal(null);
  });

  it('never writes the password to sessionStorage, localStorage, the console or an event', async () => {
    const { messages, restore } = captureConsole();
    const details: unknown[] = [];
    for (const name of ['pp-ready', 'pp-submit', 'pp-error', 'pp-success', 'pp-skip']) {
      document.addEventListener(name, (event) => details.push((event as CustomEvent).detail));
    }
    try {
      let attempts = 0;
      const calls = stubFetch(R2_FORM, () =>
        ++attempts === 1 ? json(401, { error: 'session_expired', message: '…' }) : json(200, CONTINUE),
      );
      const first = await mount(SESSION);
      await fillR2(first);
      const failure = oneEvent(first, 'pp-error');
      await submit(first);
      await failure;
      expect(calls[1].body.values.password).to.equal(SECRET);
      await type(first, 'Password', `${SECRET}2`);
      first.remove();
      const again = await mount(SESSION);
      expect(inputOf(again, 'Password').value).to.equal('');
      expect(inputOf(again, 'About you').value).to.equal('Hello');
      const stored = [sessionStorage, localStorage].flatMap((storage) =>
        Object.keys(storage).map((key) => `${key}=${storage.getItem(key)}`),
      );
      expect(stored.some((entry) => entry.includes('Tr0ub4dor'))).to.equal(false);
      expect(messages.some((message) => message.includes('Tr0ub4dor'))).to.equal(false);
      expect(JSON.stringify(details)).not.to.include('Tr0ub4dor');
    } finally {
      restore();
    }
  });
});

describe('<progressive-profile> server messages beside a field', () => {
  afterEach(reset);

  async function refused(answer: object): Promise<ProgressiveProfile> {
    stubFetch(r2FormOf(['bio']), () => json(422, { error: 'invalid_fields', message: '…', ...answer }));
    const element = await mount(SESSION);
    await type(element, 'About you', 'Hello');
    const failure = oneEvent(element, 'pp-error');
    await submit(element);
    await failure;
    await element.updateComplete;
    return element;
  }

  it("shows a validation hook's reason for rejected as text, never as markup", async () => {
    const element = await refused({ fields: { bio: 'rejected' }, messages: { bio: 'No <b>links</b> & no <img src=x> please' } });
    expect(errorOf(element, 'About you')).to.equal('No <b>links</b> & no <img src=x> please');
    expect(element.shadowRoot!.querySelector('b, img')).to.equal(null);
  });

  it('cuts a reason longer than 200 characters to its first 200', async () => {
    const long = `${'é'.repeat(150)}${'𝔸'.repeat(100)}`;
    const element = await refused({ fields: { bio: 'rejected' }, messages: { bio: long } });
    expect(errorOf(element, 'About you')).to.equal(`${'é'.repeat(150)}${'𝔸'.repeat(50)}`);
  });

  it('uses the generic text for rejected without a reason, and for other codes even with one', async () => {
    expect(errorOf(await refused({ fields: { bio: 'rejected' } }), 'About you')).to.equal('This value is not accepted.');
    reset();
    expect(errorOf(await refused({ fields: { bio: 'taken' }, messages: { bio: 'Someone has it' } }), 'About you')).to.equal(
      'Already in use.',
    );
  });
});

describe('<progressive-profile> revision-2 controls on any screen', () => {
  afterEach(async () => {
    await setViewport({ width: 800, height: 600 });
    await emulateMedia({ colorScheme: 'light' });
    document.documentElement.style.zoom = '';
    document.body.style.background = '';
    reset();
  });

  for (const theme of ['light', 'dark']) {
    it(`passes axe-core in the ${theme} theme, with errors shown`, async () => {
      if (theme === 'dark') document.body.style.background = '#0d1117';
      stubFetch(R2_FORM);
      const element = await mount(`theme="${theme}" ${SESSION}`);
      await tick(element, 'Topics', 'API');
      await expectAccessible(element);
      await submit(element);
      expect(groupErrorOf(element, 'Plan')).to.equal('This field is required.');
      expect(groupErrorOf(element, 'Topics')).to.equal('Choose at least 2.');
      $(element, '[part="password-toggle"]').click();
      await element.updateComplete;
      await expectAccessible(element);
    });
  }

  it('fits a 320 px wide screen with touch targets of at least 44 px', async () => {
    await setViewport({ width: 320, height: 640 });
    stubFetch(R2_FORM);
    const element = await mount(SESSION);
    expectFits(element, 320);
  });

  it('fits a 640 px wide window zoomed to 200 %', async () => {
    await setViewport({ width: 640, height: 800 });
    document.documentElement.style.zoom = '2';
    stubFetch(R2_FORM);
    const element = await mount(SESSION);
    expect(element.getBoundingClientRect().width).to.be.at.most(640);
    expectFits(element, 640);
  });

  it('speaks Spanish', async () => {
    stubFetch(R2_FORM);
    const element = await mount(`lang="es" ${SESSION}`);
    expect(inputOf(element, 'Sobre ti').localName).to.equal('textarea');
    expect(hintOf(inputOf(element, 'Sobre ti'))).to.equal('Una o dos líneas');
    expect(optionOf(element, 'Plan', 'Gratis')).to.exist;
    expect(hintOf(groupOf(element, 'Temas'))).to.equal('Elige de 2 a 3.');
    expect(optionOf(element, 'Temas', 'Facturación')).to.exist;
    expect($(element, '[part="country"]').getAttribute('aria-label')).to.equal('Móvil, país');
    expect($(element, '[part="policy-link"]').textContent!.trim()).to.equal('Leer la política (pestaña nueva)');
    expect(inputOf(element, 'Acepto las condiciones').type).to.equal('checkbox');
    expect(hintOf(inputOf(element, 'Contraseña'))).to.equal('Al menos 8 caracteres. Usa tres de: minúsculas, mayúsculas, números, símbolos.');
    expect($(element, '[part="password-toggle"]').textContent!.trim()).to.equal('Mostrar contraseña');
    await submit(element);
    expect(groupErrorOf(element, 'Plan')).to.equal('Este campo es obligatorio.');
    await tick(element, 'Temas', 'API');
    expect(groupErrorOf(element, 'Temas')).to.equal('Elige al menos 2.');
  });

  it('lets the page override every new string', async () => {
    stubFetch({ allow_skip: false, fields: [...R2_FORM.fields, { ...R2_FORM.fields[5], id: 'pin', label: 'PIN', password_policy: { policy: 'excellent', min_length: 12 } }] });
    const element = await mount(SESSION);
    element.strings = {
      showPassword: 'Reveal',
      policy: 'Terms',
      between: '{min}–{max} please',
      country: 'prefix',
      password_low: '{n}+ chars.',
      password_good: 'Mixed.',
      password_excellent: 'No triples.',
    };
    await element.updateComplete;
    expect($(element, '[part="password-toggle"]').textContent!.trim()).to.equal('Reveal');
    expect($(element, '[part="policy-link"]').textContent!.trim()).to.equal('Terms');
    expect(hintOf(groupOf(element, 'Topics'))).to.equal('2–3 please');
    expect($(element, '[part="country"]').getAttribute('aria-label')).to.equal('Mobile, prefix');
    expect(hintOf(inputOf(element, 'Password'))).to.equal('8+ chars. Mixed.');
    expect(hintOf(inputOf(element, 'PIN'))).to.equal('12+ chars. Mixed. No triples.');
  });
});

/** Nothing wider than `width`, no horizontal scrolling inside, and touch targets of at least 44 px. */
function expectFits(element: ProgressiveProfile, width: number): void {
  expect(element.getBoundingClientRect().right).to.be.at.most(width);
  for (const node of $$(element, '*')) {
    expect(node.getBoundingClientRect().right, node.outerHTML.slice(0, 80)).to.be.at.most(width + 0.5);
    expect(node.scrollWidth, node.outerHTML.slice(0, 80)).to.be.at.most(node.clientWidth + 1);
  }
  for (const control of $$(element, 'input:not([type="checkbox"]):not([type="radio"]), select, textarea, button, a, [part="option"]')) {
    expect(control.getBoundingClientRect().height / (Number(document.documentElement.style.zoom) || 1), control.outerHTML.slice(0, 80)).to.be.at.least(44);
  }
}
