// Shared fixtures of the widget's browser tests: a form definition, session tokens, a fetch stub
// that plays the server (the browser unit's boundary), and small DOM helpers.
import { fixture, html, waitUntil } from '@open-wc/testing';
import type { FieldDefinition, FormDefinition } from '../../common/wire.js';
import type { ProgressiveProfile } from '../../widget/progressive-profile.js';
import '../../widget/index.js';
// The phone chunk, loaded here once so that a form with a tel field comes up in the usual time
// (the dev server compiles libphonenumber-js on its first request). phone.test.ts checks in fresh
// pages when the element loads it.
import '../../widget/calling-codes.js';

const base = { required: false, target: 'user_metadata', unique: false } as const;

export const FORM: FormDefinition = {
  allow_skip: false,
  fields: [
    {
      ...base,
      id: 'company_name',
      type: 'text',
      required: true,
      label: { en: 'Company', es: 'Empresa' },
      help: { en: 'Where you work', es: 'Dónde trabajas' },
      placeholder: { en: 'Acme Inc.', es: 'Acme S.A.' },
      autocomplete: 'organization',
      minLength: 2,
      maxLength: 20,
    },
    { ...base, id: 'job_title', type: 'text', label: 'Job title', autocomplete: 'organization-title', pattern: '[A-Za-z ]+', maxLength: 50 },
    { ...base, id: 'team_size', type: 'number', label: { en: 'Team size', es: 'Tamaño del equipo' } },
    {
      ...base,
      id: 'country',
      type: 'select',
      required: true,
      label: { en: 'Country', es: 'País' },
      autocomplete: 'country',
      options: [
        { value: 'mx', label: { en: 'Mexico', es: 'México' } },
        { value: 'us', label: 'United States' },
      ],
    },
    { ...base, id: 'website', type: 'url', label: 'Website', autocomplete: 'url' },
    { ...base, id: 'phone', type: 'tel', label: 'Phone', autocomplete: 'tel' },
    { ...base, id: 'work_email', type: 'email', label: 'Work email', autocomplete: 'email' },
    { ...base, id: 'birthday', type: 'date', label: 'Birthday', autocomplete: 'bday' },
    { ...base, id: 'newsletter', type: 'checkbox', label: { en: 'Send me news', es: 'Envíame noticias' } },
    { ...base, id: 'terms', type: 'checkbox', required: true, label: { fr: 'J’accepte les conditions', de: 'Ich stimme zu' } },
  ],
};

/** The revision-2 field types, one of each. */
export const R2_FORM: FormDefinition = {
  allow_skip: false,
  fields: [
    {
      ...base,
      id: 'bio',
      type: 'textarea',
      required: true,
      label: { en: 'About you', es: 'Sobre ti' },
      help: { en: 'A line or two', es: 'Una o dos líneas' },
      maxLength: 40,
    },
    {
      ...base,
      id: 'plan',
      type: 'radio',
      required: true,
      label: { en: 'Plan', es: 'Plan' },
      options: [
        { value: 'free', label: { en: 'Free', es: 'Gratis' } },
        { value: 'pro', label: 'Pro' },
        { value: 'team', label: { en: 'Team', es: 'Equipo' } },
      ],
    },
    {
      ...base,
      id: 'topics',
      type: 'multiselect',
      label: { en: 'Topics', es: 'Temas' },
      minItems: 2,
      maxItems: 3,
      options: [
        { value: 'auth', label: { en: 'Sign-in', es: 'Acceso' } },
        { value: 'billing', label: { en: 'Billing', es: 'Facturación' } },
        { value: 'api', label: 'API' },
        { value: 'mobile', label: { en: 'Mobile apps', es: 'Apps móviles' } },
      ],
    },
    {
      ...base,
      id: 'mobile',
      type: 'tel',
      label: { en: 'Mobile', es: 'Móvil' },
      autocomplete: 'tel',
      default_country: 'ES',
      countries: ['ES', 'MX', 'US'],
    },
    {
      ...base,
      id: 'terms_2026',
      type: 'consent',
      required: true,
      label: { en: 'I accept the terms', es: 'Acepto las condiciones' },
      policy_url: 'https://example.com/terms',
      version: '2026-11',
      target: 'app_metadata',
    },
    {
      ...base,
      id: 'password',
      type: 'password',
      required: true,
      label: { en: 'Password', es: 'Contraseña' },
      password_policy: { policy: 'good', min_length: 8 },
    },
  ],
};

/** A form of just these fields of R2_FORM. */
export function r2FormOf(ids: readonly string[], allowSkip = false): FormDefinition {
  return { allow_skip: allowSkip, fields: ids.map((id) => R2_FORM.fields.find((field) => field.id === id) as FieldDefinition) };
}

/** A form of just these fields of FORM. */
export function formOf(ids: readonly string[], allowSkip = false): FormDefinition {
  return { allow_skip: allowSkip, fields: ids.map((id) => FORM.fields.find((field) => field.id === id) as FieldDefinition) };
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** An unsigned-looking JWT with these claims: the widget only reads them for display. */
export function tokenFor(claims: Record<string, unknown>): string {
  return `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(claims))}.c2lnbmF0dXJl`;
}

/** Now, in the Unix seconds of a token's `iat` and `exp`. */
export const NOW_S = Math.floor(Date.now() / 1000);
export const TOKEN = tokenFor({ sub: 'auth0|alice', iss: 'acme.eu.auth0.com', iat: NOW_S, exp: NOW_S + 3600 });
export const CONTINUE = { continue_url: 'https://acme.eu.auth0.com/continue?state=S1', session_token: 'T2.continue.token' };

export interface FetchCall {
  url: string;
  method: string;
  credentials?: RequestCredentials;
  body?: any;
}

type Route = (call: FetchCall) => Response | Promise<Response>;

const realFetch = window.fetch;

/** Replaces window.fetch for one test: GET /form answers `form`, anything else goes to `route`. */
export function stubFetch(form: FormDefinition | Route, route: Route = () => json(404, { error: 'invalid_request' })) {
  const calls: FetchCall[] = [];
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const call: FetchCall = {
      url: String(input),
      method: init?.method ?? 'GET',
      credentials: init?.credentials,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    if (call.method === 'GET' && new URL(call.url).pathname.endsWith('/form')) {
      return typeof form === 'function' ? form(call) : json(200, form);
    }
    return route(call);
  };
  return calls;
}

/** Undoes a test's stubs and storage: the real fetch, no drafts, no language on the page. */
export function reset(): void {
  window.fetch = realFetch;
  sessionStorage.clear();
  document.documentElement.removeAttribute('lang');
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** A response that resolves only when `release` is called. */
export function deferred(): { promise: Promise<Response>; release: (response: Response) => void } {
  let release!: (response: Response) => void;
  const promise = new Promise<Response>((resolve) => (release = resolve));
  return { promise, release };
}

/** Renders the element with a session (unless given other attributes) and waits for its form. */
export async function mount(attributes = '', { waitForForm = true } = {}): Promise<ProgressiveProfile> {
  const container = await fixture<HTMLDivElement>(html`<div></div>`);
  container.innerHTML = `<progressive-profile ${attributes}></progressive-profile>`;
  const element = container.firstElementChild as ProgressiveProfile;
  await element.updateComplete;
  if (waitForForm) await waitUntil(() => element.shadowRoot!.querySelector('form'), 'the form never rendered');
  return element;
}

export const SESSION = `endpoint="https://profile.example.com" state="S1" session-token="${TOKEN}"`;

export function $(element: ProgressiveProfile, selector: string): HTMLElement {
  const found = element.shadowRoot!.querySelector<HTMLElement>(selector);
  if (!found) throw new Error(`no ${selector} in the widget`);
  return found;
}

export function $$(element: ProgressiveProfile, selector: string): HTMLElement[] {
  return [...element.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
}

/** The input of a field by its id in FORM order of the rendered fields. */
export function inputOf(element: ProgressiveProfile, label: string): HTMLInputElement & HTMLSelectElement {
  const labelElement = $$(element, 'label').find((candidate) => candidate.textContent!.replace('*', '').trim() === label);
  if (!labelElement) throw new Error(`no field labelled ${label}`);
  return element.shadowRoot!.getElementById(labelElement.getAttribute('for')!) as HTMLInputElement & HTMLSelectElement;
}

/** Sets a value as the user would (input event), then re-renders. */
export async function type(element: ProgressiveProfile, label: string, value: string | boolean): Promise<void> {
  const input = inputOf(element, label);
  if (typeof value === 'boolean') input.checked = value;
  else input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  await element.updateComplete;
}

export async function blur(element: ProgressiveProfile, label: string): Promise<void> {
  inputOf(element, label).dispatchEvent(new FocusEvent('blur'));
  await element.updateComplete;
}

/** The error text shown beside a field, or null. */
export function errorOf(element: ProgressiveProfile, label: string): string | null {
  const input = inputOf(element, label);
  const id = (input.getAttribute('aria-describedby') ?? '').split(' ').find((ref) => ref.startsWith('e'));
  return id ? element.shadowRoot!.getElementById(id)!.textContent!.trim() : null;
}

/** The fieldset of a radio or multiselect field, by its legend. */
export function groupOf(element: ProgressiveProfile, legend: string): HTMLFieldSetElement {
  const found = $$(element, 'fieldset').find((group) => group.querySelector('legend')!.textContent!.replace('*', '').trim() === legend);
  if (!found) throw new Error(`no group with the legend ${legend}`);
  return found as HTMLFieldSetElement;
}

/** One radio button or checkbox of a group, by its label. */
export function optionOf(element: ProgressiveProfile, legend: string, label: string): HTMLInputElement {
  const option = [...groupOf(element, legend).querySelectorAll('label')].find((candidate) => candidate.textContent!.trim() === label);
  if (!option) throw new Error(`no option ${label} in ${legend}`);
  return option.querySelector('input')!;
}

/** Ticks (or unticks) an option as the user would (input event), then re-renders. */
export async function tick(element: ProgressiveProfile, legend: string, label: string, checked = true): Promise<void> {
  const input = optionOf(element, legend, label);
  input.checked = checked;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  await element.updateComplete;
}

/** The error text shown in a group, or null. */
export function groupErrorOf(element: ProgressiveProfile, legend: string): string | null {
  const group = groupOf(element, legend);
  const id = (group.getAttribute('aria-describedby') ?? '').split(' ').find((ref) => ref.startsWith('e'));
  return id ? element.shadowRoot!.getElementById(id)!.textContent!.trim() : null;
}

/** The hint text of a field or group (its help and rules), or null. */
export function hintOf(control: Element): string | null {
  const root = control.getRootNode() as ShadowRoot;
  const id = (control.getAttribute('aria-describedby') ?? '').split(' ').find((ref) => ref.startsWith('h'));
  return id ? root.getElementById(id)!.textContent!.trim() : null;
}

/** Records console messages of every level until `restore` (tests print nothing on success). */
export function captureConsole(): { messages: string[]; restore: () => void } {
  const messages: string[] = [];
  const levels = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = levels.map((level) => console[level]);
  for (const level of levels) console[level] = (...args: unknown[]) => messages.push(args.map(String).join(' '));
  return { messages, restore: () => levels.forEach((level, index) => (console[level] = originals[index])) };
}

export async function fillRequired(element: ProgressiveProfile): Promise<void> {
  await type(element, 'Company', 'Acme');
  await type(element, 'Country', 'mx');
  await type(element, 'J’accepte les conditions', true);
}

export async function submit(element: ProgressiveProfile): Promise<void> {
  $(element, 'button[part="submit-button"]').click();
  await element.updateComplete;
}

/** Waits until no request to /submit or /skip is in flight (the submit button is not busy), then for the render. */
export async function settled(element: ProgressiveProfile): Promise<void> {
  await waitUntil(() => $(element, '[part="submit-button"]').getAttribute('aria-busy') === 'false', 'still busy');
  await element.updateComplete;
}

/** The text of the announced message area. */
export function noticeOf(element: ProgressiveProfile): string {
  return $(element, '[role="alert"]').textContent!.replace(/\s+/g, ' ').trim();
}

/**
 * Records the top-level forms the widget submits (to /continue) instead of navigating away.
 * Call `start` before each test and `stop` after it.
 */
export function captureContinueForms(): { submitted: HTMLFormElement[]; start(): void; stop(): void } {
  const submitted: HTMLFormElement[] = [];
  const realSubmit = HTMLFormElement.prototype.submit;
  return {
    submitted,
    start() {
      submitted.length = 0;
      HTMLFormElement.prototype.submit = function (this: HTMLFormElement) {
        submitted.push(this);
      };
    },
    stop() {
      HTMLFormElement.prototype.submit = realSubmit;
      for (const form of submitted) form.remove();
    },
  };
}
