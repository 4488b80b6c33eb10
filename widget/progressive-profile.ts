import { html, LitElement, nothing } from 'lit';
import type { CSSResultGroup, TemplateResult } from 'lit';
import { checkFieldValue, isEmptyValue, selectFieldsToAsk } from '../common/field-rules.js';
import { FIELD_ERROR_CODES } from '../common/wire.js';
import type { FieldDefinition, FieldValue, FormDefinition, SessionTokenClaims } from '../common/wire.js';
import { HOSTED, SERVER } from './build-flags.js';
import { loadDraft, saveDraft } from './draft.js';
import type { DraftValues } from './draft.js';
import { endpointUrl, getForm, postAction } from './form-client.js';
import type { Outcome } from './form-client.js';
import { BUNDLED_CALLING_CODES, loadCallingCodes } from './phone-table.js';
import { readSessionClaims } from './session-token.js';
import { format, localize, pickStrings } from './strings.js';
import type { Strings } from './strings.js';
import { styles } from './styles.js';
import { forgetSession, keepSession, recallSession } from './tab-session.js';
import type { TabSession } from './tab-session.js';

/** Detail of `pp-success`: where and what to POST to resume the login. */
export interface SuccessDetail {
  continueUrl: string;
  sessionToken: string;
}

/** Detail of `pp-error`: the wire code (or `network_error`, `invalid_response`) and the message shown. */
export interface ErrorDetail {
  code: string;
  message: string;
}

/**
 * loading → ready ⇄ busy → done; busy → over after a final error (the session is spent: the form
 * stays, without buttons, and "Sign in again" is the only way on); loading → notice when there is
 * no form to show (a setup problem, an unusable session, a form that did not load, a finished
 * one), and notice → loading on "Try again". `busy` is a request to /submit or /skip in flight;
 * `done` is final (the login continues).
 */
type Phase = 'loading' | 'ready' | 'busy' | 'done' | 'over' | 'notice';

// The failures and states the notice explains by name, each with the way out it offers besides
// keeping what the user typed: `restart` (a link to `restart-url`, and final: the form's buttons
// go), `back` (the same link, named "Back to the app"), `retry`. Any other code gets `generic`;
// `upstream_*` and unreadable answers share `upstream_error`. Codes come from the server: only
// these are looked up, as own properties.
const WAYS_OUT: Readonly<Record<string, 'retry' | 'restart' | 'back' | ''>> = {
  invalid_fields: '',
  skip_not_allowed: '',
  session_expired: 'restart',
  invalid_session: 'restart',
  session_used: 'restart',
  email_unverified: 'restart',
  identity_exists: 'restart',
  upstream_error: 'retry',
  rate_limited: 'retry',
  network_error: 'retry',
  missing_endpoint: 'restart',
  missing_session: 'restart',
  form_unavailable: 'retry',
  finished: 'back',
};
// The field errors shown by name (the wire's); any other code a server sends reads as `invalid_format`.
const FIELD_CODES: readonly string[] = FIELD_ERROR_CODES;
const SESSION_PARAMS: readonly string[] = ['state', 'session_token'];
// A session token whose `exp` passed longer ago than this (by this browser's clock, which may be
// a little off) is known to be expired before the form loads; the server allows 5 s.
const CLOCK_SKEW_S = 60;
// The `lang` attribute only re-renders: the language is read at render time, and the native
// `lang` property stays HTMLElement's own.
const LANG = Symbol();

/**
 * Completes a user's profile in the middle of an Auth0 login: loads the form definition from the
 * Progressive Profile server, validates as the user types, submits, and resumes the login by
 * POSTing the continue token to Auth0 as a top-level form. It reads `state` and `session_token`
 * from the page URL, removes them from the address bar and keeps them in sessionStorage until the
 * token expires, so a reload of the page works. Its language is its `lang` attribute, else the
 * session token's `lang` claim, else the nearest ancestor's (the page's `<html lang>`), else
 * English; English and Spanish are bundled. It never throws into the page: every failure is shown,
 * announced and kept as state. Its styles are a constructable stylesheet: a page whose policy is
 * `style-src 'self'` needs no `'unsafe-inline'` (a browser without adoptedStyleSheets gets a
 * `<style nonce>` from `window.litNonce`). It has no background, frame or padding of its own and
 * follows the page's `color-scheme` unless `theme` says otherwise. A form with a phone field loads
 * the calling codes as a second script from the same server (progressive-profile-calling-codes.js).
 *
 * @attr lang - Language of the strings and field labels (`es`, `es-MX`, `en`…).
 *
 * @fires pp-ready - Once, when the form is loaded and usable.
 * @fires pp-submit - The user submitted valid values; the request is on its way.
 * @fires pp-success - The server accepted; detail `{continueUrl, sessionToken}`. Cancelable: cancel it to continue yourself (the submit button then reads "Done").
 * @fires pp-error - A submit or skip failed; detail `{code, message}`. What the user typed is kept.
 * @fires pp-skip - The user chose "Remind me later".
 *
 * @csspart form - The form.
 * @csspart field - One field's wrapper (label, input, hint, error); a `fieldset` for radio buttons and multiselects.
 * @csspart label - A field's label (the `legend` of radio buttons and multiselects).
 * @csspart required-mark - The mark beside a required field's label.
 * @csspart input - A field's input, textarea, select, checkbox or radio button.
 * @csspart option - The label of one radio button or multiselect checkbox.
 * @csspart country - A phone field's country picker.
 * @csspart password-toggle - The button that shows or hides a password.
 * @csspart policy-link - A consent's link to the policy.
 * @csspart hint - A field's help text and rules.
 * @csspart error - A field's error message (a polite live region, so a new error is announced).
 * @csspart notice - The announced message area (setup problems, failures, the error summary).
 * @csspart email-hint - "Completing the profile of …".
 * @csspart actions - The button row.
 * @csspart submit-button - The submit button.
 * @csspart skip-button - The "Remind me later" button.
 * @csspart retry-button - The "Try again" button.
 * @csspart restart-link - The "Sign in again" link.
 * @csspart back-link - The "Back to the app" link (the form was completed in this tab already).
 *
 * @cssprop --pp-font-family - Font family (default: inherited from the page).
 * @cssprop --pp-color-text - Text colour.
 * @cssprop --pp-color-background - Background of inputs and buttons (the element itself has none).
 * @cssprop --pp-color-muted - Help text colour.
 * @cssprop --pp-color-border - Input border colour.
 * @cssprop --pp-color-accent - Buttons, links and focus ring.
 * @cssprop --pp-color-accent-text - Text on the accent colour.
 * @cssprop --pp-color-error - Error messages and required marks.
 * @cssprop --pp-radius - Corner radius of inputs and buttons.
 * @cssprop --pp-spacing - Space between fields.
 * @cssprop --pp-max-width - Maximum width of the element.
 * @cssprop --pp-focus-ring - Focus outline (an `outline` value).
 */
export class ProgressiveProfile extends LitElement {
  static override styles: CSSResultGroup = styles;

  // Reactive properties and state: no decorators, and `declare`d fields set in the constructor (no
  // field initialisers), so no build (the tests' esbuild, the bundle's Rolldown) can shadow Lit's
  // accessors with own fields. The `#` fields below are not reactive: changes to them request an
  // update themselves.
  static override properties = {
    endpoint: {},
    restartUrl: { attribute: 'restart-url' },
    state: {},
    sessionToken: { attribute: 'session-token' },
    theme: { reflect: true },
    strings: { attribute: false },
    [LANG]: { attribute: 'lang' },
    phase: { state: true },
    problem: { state: true },
  };

  /** Base URL of the Progressive Profile server; `/form`, `/submit` and `/skip` are appended. */
  declare endpoint?: string;
  /** Where "Sign in again" (and "Back to the app" after a success) leads; default `/`. */
  declare restartUrl?: string;
  /** The login's `state`; read from the page URL when not set. */
  declare state?: string;
  /** The session token (T1); read from the page URL's `session_token` when not set. */
  declare sessionToken?: string;
  /** `light` or `dark`; unset follows the page's `color-scheme` (`light dark` follows the system). */
  declare theme?: 'light' | 'dark';
  /** Overrides any of the user-visible strings, in every language. */
  declare strings?: Partial<Strings>;

  private declare phase: Phase;
  /** What the notice explains: a wire code, `network_error`, `invalid_response`, a setup problem or `finished`. */
  private declare problem?: string;

  #fields: FieldDefinition[] = [];
  #allowSkip = false;
  // T1 names nothing this form asks: the form sends itself at once, empty.
  #asksNothing = false;
  #values: DraftValues = {};
  // Inputs the browser cannot read (a half-typed number or date): they count as invalid_format.
  #unreadable = new Set<string>();
  // Fields validated as the user types: left once, or all of them after a submit attempt.
  #touched = new Set<string>();
  #serverErrors = new Map<string, unknown>();
  #serverMessages: ReadonlyMap<string, string> = new Map();
  // Password fields whose text shows.
  #shown = new Set<string>();
  #lastAction: 'submit' | 'skip' = 'submit';
  #session?: TabSession | 'finished';
  #claims?: SessionTokenClaims;
  // The phone chunk's table (country → calling code), once loaded for a form with a tel field.
  #callingCodes?: Readonly<Record<string, string>>;
  #countryLists = new Map<string, [string, string][]>();
  // The request in flight: a newer one replaces it, and only the latest one's answer is used.
  #request?: AbortController;

  constructor() {
    super();
    this.phase = 'loading';
    // Hosted builds carry the table (phone-table-hosted.ts).
    if (HOSTED) this.#callingCodes = BUNDLED_CALLING_CODES;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener('pageshow', this.#handlePageShow);
    if (this.hasUpdated && this.phase === 'loading') void this.#load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('pageshow', this.#handlePageShow);
    // A form no longer shown need not load; a submit in flight is left to finish.
    if (this.phase === 'loading') this.#request?.abort();
  }

  // Before the first render, so that the loading text already speaks T1's language, and the form's
  // request is on its way before that text is drawn (a problem known now, or a form the page already
  // holds, shows in that very render).
  protected override willUpdate(): void {
    if (this.hasUpdated) return;
    // On the server there is no address bar nor tab: the renderer sets `state` and `sessionToken`.
    const params = new URLSearchParams(SERVER ? '' : location.search);
    const state = this.state || params.get('state');
    const token = this.sessionToken || params.get('session_token');
    if (state && token) {
      this.#session = { state, token };
      this.#claims = readSessionClaims(token);
      // The hosted page keeps it once its form is usable (the tab's storage takes milliseconds to open).
      if (!SERVER && !(HOSTED && this.hasAttribute('data-form'))) keepSession(this.#session, this.#claims?.exp ?? 0);
    } else if (!SERVER) {
      this.#session = recallSession();
      if (typeof this.#session === 'object') this.#claims = readSessionClaims(this.#session.token);
    }
    void this.#load();
  }

  /** Moves the state machine `from` → `to`; false (and nothing changes) when it is not in `from`. */
  #move(from: Phase, to: Phase): boolean {
    if (this.phase !== from) return false;
    this.phase = to;
    return true;
  }

  /** Runs one request as the latest: aborts the one before; undefined when a newer one replaced it or it was aborted. */
  async #latest<T>(call: (signal: AbortSignal) => Promise<Outcome<T>>): Promise<Outcome<T> | undefined> {
    this.#request?.abort();
    const request = (this.#request = new AbortController());
    const outcome = await call(request.signal);
    return request === this.#request && !request.signal.aborted ? outcome : undefined;
  }

  async #load(): Promise<void> {
    const claims = this.#claims;
    // Hosted builds: the server verified T1 and rendered the form it asks (or the problem) into the
    // page; the first render shows the same, so that it hydrates what the page already shows.
    const decided = HOSTED ? this.getAttribute('data-problem') : null;
    const given = HOSTED ? readGivenForm(this.getAttribute('data-form')) : undefined;
    if (decided) return this.#showNotice(decided);
    if (!this.endpoint) return this.#showNotice('missing_endpoint', 'no endpoint');
    if (this.#session === 'finished') return this.#showNotice('finished');
    if (!this.#session) return this.#showNotice('missing_session', 'no state or session_token');
    if (!claims) return this.#showNotice('invalid_session', 'malformed session_token');
    if (!(HOSTED && given) && (claims.exp ?? Infinity) < Date.now() / 1000 - CLOCK_SKEW_S) {
      return this.#showNotice('session_expired', 'expired session_token');
    }
    const endpoint = this.endpoint;
    // No await for a given form: the state is set before the render that hydrates the server's.
    const outcome = HOSTED && given ? { ok: true as const, data: given } : await this.#latest(async (signal) => {
      const form = await getForm(endpoint, signal);
      if (form.ok && !this.#callingCodes && form.data.fields.some((field) => field.type === 'tel')) {
        this.#callingCodes = await loadCallingCodes();
        if (!this.#callingCodes) console.warn('<progressive-profile>: no calling codes; phone fields take international numbers');
      }
      return form;
    });
    if (!outcome) return;
    if (!outcome.ok) {
      const url = endpointUrl(endpoint, 'form');
      return this.#showNotice(
        'form_unavailable',
        outcome.code === 'network_error' && new URL(url).origin !== location.origin
          ? `GET ${url} failed: if the server is up, add this page's origin ${location.origin} to its ALLOWED_ORIGINS`
          : `GET /form: ${outcome.code}`,
      );
    }
    const claimed = claims.fields;
    this.#fields = selectFieldsToAsk(outcome.data.fields, claimed);
    this.#asksNothing = !!claimed && !this.#fields.some((field) => claimed.includes(field.id));
    if (this.#asksNothing) this.#fields = [];
    this.#allowSkip = outcome.data.allow_skip && claims.allow_skip !== false;
    if (claims.sub && !SERVER && !(HOSTED && given)) {
      this.#values = loadDraft(
        claims.sub,
        this.#fields.filter((field) => field.type !== 'password').map((field) => field.id),
      );
    }
    if (!this.#move('loading', 'ready') || SERVER) return;
    if (HOSTED && given) {
      // The first render hydrates the server's form as the page shows it now: with what the user
      // typed or chose there before this script ran (read from the controls the user changed).
      // Then the tab keeps the login, and its draft fills the fields the user left alone: the tab's
      // storage takes milliseconds to open, read before only when the typing is about to be saved.
      let draft: DraftValues | undefined;
      const readDraft = (): DraftValues =>
        (draft ??= claims.sub ? loadDraft(claims.sub, this.#fields.filter((field) => field.type !== 'password').map((field) => field.id)) : {});
      const rendered = this.renderRoot.querySelectorAll('[part=field]');
      this.#fields.forEach((field, index) => {
        for (const control of rendered[index]?.querySelectorAll<HTMLInputElement>('input, select, textarea') ?? []) {
          if (isChanged(control)) {
            readDraft();
            this.#handleInput(field, control);
          }
        }
      });
      this.#touched.clear();
      await this.updateComplete;
      this.#emit('pp-ready');
      removeSessionParams();
      keepSession(this.#session as TabSession, claims.exp ?? 0);
      if (Object.keys(readDraft()).length) {
        this.#values = { ...draft, ...this.#values };
        this.#saveDraft();
        this.requestUpdate();
      }
      if (this.#asksNothing) void this.#send('submit');
      return;
    }
    await this.updateComplete;
    this.#emit('pp-ready');
    removeSessionParams();
    if (this.#asksNothing) void this.#send('submit');
  }

  /** Shows only a notice instead of a form; `reason`, when given, goes to the console for the site owner. */
  #showNotice(problem: string, reason?: string): void {
    if (!this.#move('loading', 'notice')) return;
    if (!SERVER) removeSessionParams();
    this.problem = problem;
    if (reason) console.warn(`<progressive-profile>: ${reason}`);
  }

  // Back to a page left after a success (the browser kept it as it was): it says so, with a way on.
  #handlePageShow = (event: PageTransitionEvent): void => {
    if (event.persisted && this.#move('done', 'notice')) this.problem = 'finished';
  };

  get #language(): string {
    return this.getAttribute('lang') || this.#claims?.lang || this.parentElement?.closest('[lang]')?.getAttribute('lang') || 'en';
  }

  get #text(): Strings {
    return { ...pickStrings(this.#language), ...this.strings };
  }

  protected override render(): TemplateResult {
    const text = this.#text;
    const phase = this.phase;
    if (phase === 'loading') return html`<p role="status">${text.loading}</p>`;
    const notice = html`<div part="notice" role="alert">${this.#renderProblem(text)}</div>`;
    if (phase === 'notice') return notice;
    if (this.#asksNothing) return html`<p role="status">${text.nothing}</p>${notice}`;
    const isBusy = phase === 'busy';
    const isLocked = phase !== 'ready';
    const claims = this.#claims!;
    return html`
      <form part="form" novalidate @submit=${this.#handleSubmit}>
        ${claims.email_hint ? html`<p part="email-hint">${format(text.emailHint, { email: claims.email_hint })}</p>` : nothing}
        ${this.#fields.some((field) => field.required) ? html`<p class="hint">${text.requiredLegend}</p>` : nothing}
        ${this.#fields.map((field, index) => this.#renderField(field, index, text))} ${notice}
        ${phase === 'over'
          ? nothing
          : html`<div part="actions" class="actions">
              <button part="submit-button" class="submit" aria-busy=${isBusy} aria-disabled=${isLocked}>
                ${isBusy ? text.submitting : phase === 'done' ? text.done : text.submit}
              </button>
              ${this.#allowSkip
                ? html`<button part="skip-button" type="button" aria-disabled=${isLocked} @click=${this.#handleSkip}>
                    ${text.skip}
                  </button>`
                : nothing}
            </div>`}
      </form>
    `;
  }

  #renderField(field: FieldDefinition, index: number, text: Strings): TemplateResult {
    const lang = this.#language;
    const { id: name, type, required } = field;
    const id = `f${index}`;
    const error = this.#errorOf(field);
    const hint = [localize(field.help, lang), this.#describeRules(field, text)].filter(Boolean).join(' ');
    const describedBy = [hint && `h${index}`, error && `e${index}`].filter(Boolean).join(' ') || nothing;
    const value = this.#values[name];
    const label = html`${localize(field.label, lang)}${required
      ? html`<span part="required-mark" aria-hidden="true"> *</span>`
      : nothing}`;
    const onInput = (event: Event) => this.#handleInput(field, event.target as HTMLInputElement);
    const onBlur = () => {
      this.#touched.add(name);
      this.requestUpdate();
    };
    // The error container is always there and live, so an error appearing in it is announced;
    // it carries part="error" only while it shows one.
    const messages = html`${hint ? html`<p part="hint" class="hint" id="h${index}">${hint}</p>` : nothing}
      <p part=${error ? 'error' : nothing} class="error" id="e${index}" aria-live="polite">${error
          ? this.#describeError(field, error, text)
          : nothing}</p>`;

    if (type === 'radio' || type === 'multiselect') {
      return html`<fieldset part="field" aria-describedby=${describedBy}>
        <legend part="label">${label}</legend>
        ${field.options?.map(
          (option, n) =>
            html`<label part="option"
              ><input
                part="input"
                id=${n ? nothing : id}
                type=${type === 'radio' ? 'radio' : 'checkbox'}
                name=${id}
                value=${option.value}
                .checked=${Array.isArray(value) ? value.includes(option.value) : value === option.value}
                ?required=${required && type === 'radio'}
                aria-invalid=${!!error}
                @input=${onInput}
              />${localize(option.label, lang)}</label
            >`,
        )}
        ${messages}
      </fieldset>`;
    }

    const autocomplete = field.autocomplete ?? nothing;
    const placeholder = localize(field.placeholder, lang) || nothing;
    let control: TemplateResult;
    if (type === 'select') {
      control = html`<select
        part="input"
        id=${id}
        autocomplete=${autocomplete}
        ?required=${required}
        aria-invalid=${!!error}
        aria-describedby=${describedBy}
        @input=${onInput}
        @blur=${onBlur}
      >
        <option value="">${text.choose}</option>
        ${field.options?.map(
          (option) => html`<option value=${option.value} ?selected=${option.value === value}>${localize(option.label, lang)}</option>`,
        )}
      </select>`;
    } else if (type === 'textarea') {
      control = html`<textarea
        part="input"
        id=${id}
        rows="3"
        .value=${typeof value === 'string' ? value : ''}
        autocomplete=${autocomplete}
        placeholder=${placeholder}
        ?required=${required}
        aria-invalid=${!!error}
        aria-describedby=${describedBy}
        @input=${onInput}
        @blur=${onBlur}
      ></textarea>`;
    } else {
      const [country, number] = this.#phoneParts(field);
      const isShown = this.#shown.has(name);
      control = html`<input
        part="input"
        id=${id}
        type=${type === 'consent' ? 'checkbox' : type === 'password' && isShown ? 'text' : type}
        .value=${type === 'tel' ? number : typeof value === 'string' ? value : ''}
        .checked=${value === true}
        autocomplete=${type === 'password' ? 'new-password' : autocomplete}
        spellcheck=${type === 'password' ? 'false' : nothing}
        inputmode=${type === 'number' ? 'decimal' : nothing}
        placeholder=${placeholder}
        ?required=${required}
        aria-invalid=${!!error}
        aria-describedby=${describedBy}
        @input=${onInput}
        @blur=${onBlur}
      />`;
      if (type === 'tel' && this.#callingCodes) {
        const countries = this.#listCountries(field, lang);
        control = html`<div class="row">
          <select part="country" aria-label="${localize(field.label, lang)}, ${text.country}" @input=${onInput}>
            <option value="">${text.choose}</option>
            ${countries.map(([code, title]) => html`<option value=${code} ?selected=${code === country}>${title}</option>`)}
          </select>
          ${control}
        </div>`;
      } else if (type === 'password') {
        const onToggle = () => {
          if (!this.#shown.delete(name)) this.#shown.add(name);
          this.requestUpdate();
        };
        control = html`<div class="row">
          ${control}
          <button part="password-toggle" type="button" aria-pressed=${isShown} @click=${onToggle}>${text.showPassword}</button>
        </div>`;
      } else if (type === 'consent' && /^https?:\/\/./i.test(field.policy_url!)) {
        control = html`${control}<a part="policy-link" href=${field.policy_url!} target="_blank" rel="noopener">${text.policy}</a>`;
      }
    }
    return html`<div part="field" class=${type}>
      <label part="label" for=${id}>${label}</label>
      ${control} ${messages}
    </div>`;
  }

  #renderProblem(text: Strings): TemplateResult | typeof nothing {
    if (!this.problem) return nothing;
    const key = messageKey(this.problem);
    const way = WAYS_OUT[key];
    return html`<p>${text[key]}</p>
      ${way === 'retry'
        ? html`<button part="retry-button" type="button" @click=${this.#handleRetry}>${text.retry}</button>`
        : nothing}
      ${way === 'restart' || way === 'back'
        ? html`<a part="${way}-link" href=${this.restartUrl || '/'}>${way === 'back' ? text.back : text.restart}</a>`
        : nothing}`;
  }

  /** The rules as the widget checks them: a password's connection minimum, a required multiselect's one item. */
  #rulesOf(field: FieldDefinition): FieldDefinition {
    const minimum = field.password_policy?.min_length;
    if (field.type === 'password' && typeof minimum === 'number') return { ...field, minLength: Math.max(field.minLength ?? 0, minimum) };
    if (field.type === 'multiselect' && field.required) return { ...field, minItems: Math.max(field.minItems ?? 0, 1) };
    return field;
  }

  /** The rules a user should know before typing: a password policy in words, how many to choose, that a phone number needs its country code. */
  #describeRules(field: FieldDefinition, text: Strings): string {
    const { type, minLength, minItems, maxItems } = this.#rulesOf(field);
    const level = field.password_policy?.policy;
    if (type === 'password' && level) {
      // In words, level by level: each adds to the one before (`none` reads as `low`).
      return [
        format(text.password_low, { n: minLength ?? 1 }),
        level === 'fair' && text.password_fair,
        (level === 'good' || level === 'excellent') && text.password_good,
        level === 'excellent' && text.password_excellent,
      ].filter(Boolean).join(' ');
    }
    if (type === 'multiselect') {
      if (minItems && maxItems && minItems < maxItems) return format(text.between, { min: minItems, max: maxItems });
      if (minItems) return format(text.too_few, { n: minItems });
      if (maxItems) return format(text.too_many, { n: maxItems });
    }
    return type === 'tel' && !this.#callingCodes ? text.international : '';
  }

  /** A field error in words: the server's own text for `rejected` and `password_policy` when it gave one, else ours. */
  #describeError(field: FieldDefinition, code: keyof Strings, text: Strings): string {
    const given = (code === 'rejected' || code === 'password_policy') && this.#serverMessages.get(field.id);
    if (given) return given;
    const rules = this.#rulesOf(field);
    const n = { too_short: rules.minLength, too_long: rules.maxLength, too_few: rules.minItems, too_many: rules.maxItems }[code as string];
    return format(text[code], { n });
  }

  /** The countries a phone field offers, `[code, "Name +calling code"]`, named and sorted in `lang` (by code for a tag the browser refuses). */
  #listCountries(field: FieldDefinition, lang: string): [string, string][] {
    const key = `${lang} ${field.id}`;
    const codes = this.#callingCodes!;
    let list = this.#countryLists.get(key);
    if (!list) {
      let names: Intl.DisplayNames | undefined;
      try {
        names = new Intl.DisplayNames(lang, { type: 'region' });
      } catch {
        // codes instead of names
      }
      const offered = Array.isArray(field.countries) ? field.countries.filter((code) => Object.hasOwn(codes, code)) : [];
      list = (offered.length ? offered : Object.keys(codes)).map((code) => [code, `${names?.of(code) ?? code} +${codes[code]}`]);
      if (names) list.sort((a, b) => a[1].localeCompare(b[1], lang));
      this.#countryLists.set(key, list);
    }
    return list;
  }

  /** A phone field's country (the chosen one, else the field's default) and number as typed. */
  #phoneParts(field: FieldDefinition): [string, string] {
    const raw = this.#values[field.id];
    if (Array.isArray(raw)) return [raw[0] ?? '', raw[1] ?? ''];
    return [typeof field.default_country === 'string' ? field.default_country : '', typeof raw === 'string' ? raw : ''];
  }

  /**
   * The value as the wire carries it: trimmed text (a password as typed), a number, a boolean, the
   * chosen options; a phone number with its country's calling code unless typed with a `+`; NaN
   * when the browser cannot read the input.
   */
  #wireValue(field: FieldDefinition): FieldValue {
    const raw = this.#values[field.id];
    const { type } = field;
    if (this.#unreadable.has(field.id)) return Number.NaN;
    if (type === 'checkbox' || type === 'consent') return raw === true;
    if (type === 'multiselect') return Array.isArray(raw) ? raw : [];
    if (type === 'tel') {
      const [country, typed] = this.#phoneParts(field);
      const number = typed.trim();
      const codes = this.#callingCodes;
      return !number || number[0] === '+' || !codes || !Object.hasOwn(codes, country) ? number : `+${codes[country]} ${number}`;
    }
    if (typeof raw !== 'string') return null;
    if (type === 'password') return raw;
    if (type === 'number') return raw.trim() ? Number(raw) : null;
    return raw.trim();
  }

  /** The error shown beside a field: the server's (a known code, else `invalid_format`), else the field's own rules once touched. */
  #errorOf(field: FieldDefinition): keyof Strings | null {
    const code = this.#serverErrors.get(field.id);
    if (this.#serverErrors.has(field.id)) return FIELD_CODES.includes(code as string) ? (code as keyof Strings) : 'invalid_format';
    return this.#touched.has(field.id) ? checkFieldValue(this.#rulesOf(field), this.#wireValue(field)) : null;
  }

  #hasErrors(): boolean {
    return this.#fields.some((field) => this.#errorOf(field));
  }

  #handleInput(field: FieldDefinition, input: HTMLInputElement): void {
    const { id, type } = field;
    // A half-typed number or date reads as "" with badInput: keep the last readable value, so the
    // re-render does not wipe what the user is typing.
    if (input.validity.badInput) this.#unreadable.add(id);
    else {
      this.#unreadable.delete(id);
      const [country, number] = this.#phoneParts(field);
      this.#values[id] =
        type === 'multiselect'
          ? [...input.closest('fieldset')!.querySelectorAll('input')].filter((box) => box.checked).map((box) => box.value)
          : type === 'tel'
            ? input.localName === 'select' ? [input.value, number] : [country, input.value]
            : input.type === 'checkbox' ? input.checked : input.value;
    }
    // Radio buttons and checkboxes of a group are checked as they are ticked, not when the group is left.
    if (type === 'radio' || type === 'multiselect') this.#touched.add(id);
    this.#serverErrors.delete(id);
    // The summary goes once the user has fixed every field it pointed at.
    if (this.problem === 'invalid_fields' && !this.#hasErrors()) this.problem = undefined;
    this.#saveDraft();
    this.requestUpdate();
  }

  // Never a password: the draft is what sessionStorage keeps.
  #saveDraft(): void {
    const sub = this.#claims?.sub;
    const kept = this.#fields.filter((field) => field.type !== 'password' && Object.hasOwn(this.#values, field.id));
    if (sub) saveDraft(sub, Object.fromEntries(kept.map((field) => [field.id, this.#values[field.id]])));
  }

  #handleSubmit(event: Event): void {
    event.preventDefault();
    if (this.phase !== 'ready') return;
    for (const field of this.#fields) this.#touched.add(field.id);
    if (this.#hasErrors()) {
      this.problem = 'invalid_fields';
      void this.#focusFirstInvalid();
      return;
    }
    this.#emit('pp-submit');
    void this.#send('submit');
  }

  #handleSkip(): void {
    if (this.phase !== 'ready') return;
    this.#emit('pp-skip');
    void this.#send('skip');
  }

  #handleRetry(event: Event): void {
    if (this.#move('notice', 'loading')) {
      this.problem = undefined;
      void this.#load();
    } else if (this.#lastAction === 'skip') this.#handleSkip();
    else this.#handleSubmit(event);
  }

  async #send(action: 'submit' | 'skip'): Promise<void> {
    if (!this.#move('ready', 'busy')) return;
    this.#lastAction = action;
    this.problem = undefined;
    const { state, token } = this.#session as TabSession;
    const session = { state, session_token: token };
    const values: Record<string, FieldValue> = {};
    for (const field of this.#fields) {
      const value = this.#wireValue(field);
      if (field.type === 'checkbox' || field.type === 'consent' || !isEmptyValue(value)) values[field.id] = value;
    }
    const endpoint = this.endpoint!;
    const body = action === 'skip' ? session : { ...session, values };
    const outcome = await this.#latest((signal) => postAction(endpoint, action, body, signal));
    if (!outcome) return;
    if (outcome.ok) {
      // Saved: the form is finished whoever continues the login (this element, or the host that
      // canceled pp-success), so its button reads "Done" and sends nothing more; the tab keeps
      // only the mark that it is finished.
      this.#move('busy', 'done');
      forgetSession(true);
      const detail = { continueUrl: outcome.data.continue_url, sessionToken: outcome.data.session_token };
      if (this.#emit('pp-success', detail, true)) postToContinue(detail);
      return;
    }
    const key = messageKey(outcome.code);
    // A spent or refused session ends the form: what was typed stays in the draft for the next one.
    const isFinal = WAYS_OUT[key] === 'restart';
    this.#move('busy', isFinal ? 'over' : 'ready');
    if (isFinal) forgetSession();
    if (outcome.code === 'skip_not_allowed') this.#allowSkip = false;
    this.problem = outcome.code;
    this.#serverErrors = new Map(outcome.fields);
    this.#serverMessages = outcome.messages ?? new Map();
    if (this.#serverErrors.size) void this.#focusFirstInvalid();
    this.#emit('pp-error', { code: outcome.code, message: this.#text[key] });
  }

  async #focusFirstInvalid(): Promise<void> {
    this.requestUpdate();
    await this.updateComplete;
    const index = this.#fields.findIndex((field) => this.#errorOf(field));
    this.renderRoot.querySelector<HTMLElement>(`#f${index}`)?.focus();
  }

  #emit(type: keyof HTMLElementEventMap, detail?: unknown, cancelable = false): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }
}

/** Hosted builds: the form definition the server rendered (the element's `data-form`, JSON); undefined when absent or unreadable. */
function readGivenForm(json: string | null): FormDefinition | undefined {
  try {
    const form = JSON.parse(json!);
    return Array.isArray(form?.fields) ? form : undefined;
  } catch {
    return undefined;
  }
}

/** Hosted builds: whether the user changed a server-rendered control (typed, ticked, chose) before the script ran. */
function isChanged(control: HTMLInputElement | HTMLSelectElement): boolean {
  if (control instanceof HTMLSelectElement) {
    const initial = [...control.options].find((option) => option.defaultSelected) ?? control.options[0];
    return control.value !== (initial?.value ?? '');
  }
  if (control.type === 'radio') return control.checked && !control.defaultChecked;
  if (control.type === 'checkbox') return control.checked !== control.defaultChecked;
  return control.value !== control.defaultValue || control.validity.badInput;
}

/** The string explaining a failure: `upstream_*` and unreadable answers share one; any code not known by name gets the generic one. */
function messageKey(code: string): keyof Strings {
  if (code.startsWith('upstream_') || code === 'invalid_response') return 'upstream_error';
  return Object.hasOwn(WAYS_OUT, code) ? (code as keyof Strings) : 'generic';
}

// A top-level POST keeps the continue token out of URLs, history and referrers.
function postToContinue({ continueUrl, sessionToken }: SuccessDetail): void {
  const form = Object.assign(document.createElement('form'), { method: 'post', action: continueUrl, hidden: true });
  form.append(Object.assign(document.createElement('input'), { type: 'hidden', name: 'session_token', value: sessionToken }));
  document.body.append(form);
  form.submit();
}

// The session token must not linger in the address bar, history or a bookmark. Only `state` and
// `session_token` go; every other parameter and the hash stay exactly as they were. Called once the
// form (or a notice) shows, not before: the browser takes milliseconds to update the address bar,
// and the form need not wait for it.
function removeSessionParams(): void {
  const pieces = location.search.slice(1).split('&');
  const kept = pieces.filter((piece) => !SESSION_PARAMS.includes([...new URLSearchParams(piece).keys()][0]));
  if (kept.length === pieces.length) return;
  try {
    history.replaceState(history.state, '', location.href.split(/[?#]/)[0] + (kept.length ? `?${kept.join('&')}` : '') + location.hash);
  } catch {
    // a sandboxed frame may refuse; the form still works
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'progressive-profile': ProgressiveProfile;
  }
  interface HTMLElementEventMap {
    'pp-ready': CustomEvent<undefined>;
    'pp-submit': CustomEvent<undefined>;
    'pp-success': CustomEvent<SuccessDetail>;
    'pp-error': CustomEvent<ErrorDetail>;
    'pp-skip': CustomEvent<undefined>;
  }
}
