import { html, LitElement, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import { checkFieldValue, isEmptyValue, selectFieldsToAsk } from '../common/field-rules.js';
import type { FieldDefinition, FieldValue } from '../common/wire.js';
import { loadDraft, saveDraft } from './draft.js';
import type { DraftValues } from './draft.js';
import { getForm, postAction } from './form-client.js';
import type { Outcome } from './form-client.js';
import { readSessionClaims } from './session-token.js';
import { format, localize, pickStrings } from './strings.js';
import type { Strings } from './strings.js';
import { styles } from './styles.js';

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
 * loading → ready ⇄ busy → done; loading → broken when the page cannot host a form at all.
 * `busy` is a request to /submit or /skip in flight; `done` is final (the login continues).
 */
type Phase = 'loading' | 'ready' | 'busy' | 'done' | 'broken';

// The failures the notice explains by name, each with the way out it offers besides keeping what
// the user typed. Any other code gets `generic`; `upstream_*` and unreadable answers share
// `upstream_error`. Codes come from the server: only these are looked up, as own properties.
const WAYS_OUT: Readonly<Record<string, 'retry' | 'restart' | ''>> = {
  invalid_fields: '',
  session_expired: 'restart',
  invalid_session: 'restart',
  session_used: 'restart',
  upstream_error: 'retry',
  rate_limited: 'retry',
  network_error: 'retry',
  missing_endpoint: '',
  missing_session: '',
  form_unavailable: '',
};
// The field errors shown by name; any other code a server sends reads as `invalid_format`.
const FIELD_CODES: readonly string[] = [
  'required', 'too_short', 'too_long', 'pattern', 'invalid_option', 'invalid_format', 'taken', 'too_few', 'too_many', 'rejected', 'password_policy',
];
const SESSION_PARAMS: readonly string[] = ['state', 'session_token'];
// The `lang` attribute only re-renders: the language is read from the closest `[lang]` at render
// time, and the native `lang` property stays HTMLElement's own.
const LANG = Symbol();

/**
 * Completes a user's profile in the middle of an Auth0 login: loads the form definition from the
 * Progressive Profile server, validates as the user types, submits, and resumes the login by
 * POSTing the continue token to Auth0 as a top-level form. It reads `state` and `session_token`
 * from the page URL and removes them from the address bar. Its language is its `lang` attribute,
 * else the nearest ancestor's (the page's `<html lang>`), else English; English and Spanish are
 * bundled. It never throws into the page: every failure is shown, announced and kept as state.
 * Its styles are a constructable stylesheet: a page whose policy is `style-src 'self'` needs no
 * `'unsafe-inline'` (a browser without adoptedStyleSheets gets a `<style nonce>` from `window.litNonce`).
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
 * @csspart field - One field's wrapper (label, input, hint, error).
 * @csspart label - A field's label.
 * @csspart required-mark - The mark beside a required field's label.
 * @csspart input - A field's input, select or checkbox.
 * @csspart hint - A field's help text.
 * @csspart error - A field's error message (a polite live region, so a new error is announced).
 * @csspart notice - The announced message area (setup problems, failures, the error summary).
 * @csspart email-hint - "Completing the profile of …".
 * @csspart actions - The button row.
 * @csspart submit-button - The submit button.
 * @csspart skip-button - The "Remind me later" button.
 * @csspart retry-button - The "Try again" button.
 * @csspart restart-link - The "Sign in again" link.
 *
 * @cssprop --pp-font-family - Font family (default: inherited from the page).
 * @cssprop --pp-color-text - Text colour.
 * @cssprop --pp-color-background - Background colour.
 * @cssprop --pp-color-muted - Help text colour.
 * @cssprop --pp-color-border - Input border colour.
 * @cssprop --pp-color-accent - Buttons, links and focus ring.
 * @cssprop --pp-color-accent-text - Text on the accent colour.
 * @cssprop --pp-color-error - Error messages and required marks.
 * @cssprop --pp-radius - Corner radius.
 * @cssprop --pp-spacing - Base spacing.
 * @cssprop --pp-max-width - Maximum width of the element.
 * @cssprop --pp-focus-ring - Focus outline (an `outline` value).
 */
export class ProgressiveProfile extends LitElement {
  static override styles = styles;

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
  /** Where "Sign in again" leads when the session expired or was already used. */
  declare restartUrl?: string;
  /** The login's `state`; read from the page URL when not set. */
  declare state?: string;
  /** The session token (T1); read from the page URL's `session_token` when not set. */
  declare sessionToken?: string;
  /** `light` or `dark`; unset follows the page's `prefers-color-scheme`. */
  declare theme?: 'light' | 'dark';
  /** Overrides any of the user-visible strings, in every language. */
  declare strings?: Partial<Strings>;

  private declare phase: Phase;
  /** What the notice explains: a wire code, `network_error`, `invalid_response` or a setup problem. */
  private declare problem?: string;

  #fields: FieldDefinition[] = [];
  #allowSkip = false;
  #values: DraftValues = {};
  // Inputs the browser cannot read (a half-typed number or date): they count as invalid_format.
  #unreadable = new Set<string>();
  // Fields validated as the user types: blurred once, or all of them after a submit attempt.
  #touched = new Set<string>();
  #serverErrors = new Map<string, unknown>();
  #lastAction: 'submit' | 'skip' = 'submit';
  #state = '';
  #token = '';
  #sub?: string;
  #emailHint?: string;
  // The request in flight: a newer one replaces it, and only the latest one's answer is used.
  #request?: AbortController;

  constructor() {
    super();
    this.phase = 'loading';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated && this.phase === 'loading') void this.#load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A form no longer shown need not load; a submit in flight is left to finish.
    if (this.phase === 'loading') this.#request?.abort();
  }

  protected override firstUpdated(): void {
    const params = new URLSearchParams(location.search);
    this.#state = this.state || params.get('state') || '';
    this.#token = this.sessionToken || params.get('session_token') || '';
    removeSessionParams();
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
    if (!this.endpoint) return this.#breakDown('missing_endpoint', 'no endpoint');
    if (!this.#state || !this.#token) return this.#breakDown('missing_session', 'no state or session_token');
    const claims = readSessionClaims(this.#token);
    this.#sub = claims.sub;
    this.#emailHint = claims.email_hint;
    const endpoint = this.endpoint;
    const outcome = await this.#latest((signal) => getForm(endpoint, signal));
    if (!outcome) return;
    if (!outcome.ok) return this.#breakDown('form_unavailable', `GET /form: ${outcome.code}`);
    this.#fields = selectFieldsToAsk(outcome.data.fields, claims.fields);
    this.#allowSkip = outcome.data.allow_skip;
    if (this.#sub) this.#values = loadDraft(this.#sub, this.#fields.map((field) => field.id));
    if (!this.#move('loading', 'ready')) return;
    await this.updateComplete;
    this.#emit('pp-ready');
  }

  #breakDown(problem: string, reason: string): void {
    if (!this.#move('loading', 'broken')) return;
    this.problem = problem;
    console.warn(`<progressive-profile>: ${reason}`);
  }

  get #language(): string {
    return this.closest('[lang]')?.getAttribute('lang') || 'en';
  }

  get #text(): Strings {
    return { ...pickStrings(this.#language), ...this.strings };
  }

  protected override render(): TemplateResult {
    const text = this.#text;
    const phase = this.phase;
    if (phase === 'loading') return html`<p role="status">${text.loading}</p>`;
    if (phase === 'broken') return html`<div part="notice" role="alert">${this.#renderProblem(text)}</div>`;
    const isBusy = phase === 'busy';
    const isLocked = phase !== 'ready';
    return html`
      <form part="form" novalidate @submit=${this.#handleSubmit}>
        ${this.#emailHint ? html`<p part="email-hint">${format(text.emailHint, { email: this.#emailHint })}</p>` : nothing}
        ${this.#fields.some((field) => field.required) ? html`<p class="hint">${text.requiredLegend}</p>` : nothing}
        ${this.#fields.map((field, index) => this.#renderField(field, index, text))}
        <div part="notice" role="alert">${this.#renderProblem(text)}</div>
        <div part="actions" class="actions">
          <button part="submit-button" class="submit" aria-busy=${isBusy} aria-disabled=${isLocked}>
            ${isBusy ? text.submitting : phase === 'done' ? text.done : text.submit}
          </button>
          ${this.#allowSkip
            ? html`<button part="skip-button" type="button" aria-disabled=${isLocked} @click=${this.#handleSkip}>
                ${text.skip}
              </button>`
            : nothing}
        </div>
      </form>
    `;
  }

  #renderField(field: FieldDefinition, index: number, text: Strings): TemplateResult {
    const lang = this.#language;
    const error = this.#errorOf(field);
    const help = localize(field.help, lang);
    const value = this.#values[field.id];
    const describedBy = [help && `h${index}`, error && `e${index}`].filter(Boolean).join(' ') || nothing;
    const onInput = (event: Event) => this.#handleInput(field, event.target as HTMLInputElement);
    const onBlur = () => {
      this.#touched.add(field.id);
      this.requestUpdate();
    };
    const control =
      field.type === 'select'
        ? html`<select
            part="input"
            id="f${index}"
            autocomplete=${field.autocomplete ?? nothing}
            ?required=${field.required}
            aria-invalid=${!!error}
            aria-describedby=${describedBy}
            @input=${onInput}
            @blur=${onBlur}
          >
            <option value="">${text.choose}</option>
            ${field.options?.map(
              (option) =>
                html`<option value=${option.value} ?selected=${option.value === value}>${localize(option.label, lang)}</option>`,
            )}
          </select>`
        : html`<input
            part="input"
            id="f${index}"
            type=${field.type}
            .value=${typeof value === 'string' ? value : ''}
            .checked=${value === true}
            autocomplete=${field.autocomplete ?? nothing}
            inputmode=${field.type === 'number' ? 'decimal' : nothing}
            placeholder=${localize(field.placeholder, lang) || nothing}
            ?required=${field.required}
            aria-invalid=${!!error}
            aria-describedby=${describedBy}
            @input=${onInput}
            @blur=${onBlur}
          />`;
    // The error container is always there and live, so an error appearing in it is announced;
    // it carries part="error" only while it shows one.
    return html`<div part="field" class=${field.type}>
      <label part="label" for="f${index}"
        >${localize(field.label, lang)}${field.required
          ? html`<span part="required-mark" aria-hidden="true"> *</span>`
          : nothing}</label
      >
      ${control} ${help ? html`<p part="hint" class="hint" id="h${index}">${help}</p>` : nothing}
      <p part=${error ? 'error' : nothing} class="error" id="e${index}" aria-live="polite">${error
          ? format(text[error], { n: error === 'too_short' ? field.minLength : field.maxLength })
          : nothing}</p>
    </div>`;
  }

  #renderProblem(text: Strings): TemplateResult | typeof nothing {
    if (!this.problem) return nothing;
    const key = messageKey(this.problem);
    return html`<p>${text[key]}</p>
      ${WAYS_OUT[key] === 'retry'
        ? html`<button part="retry-button" type="button" @click=${this.#handleRetry}>${text.retry}</button>`
        : nothing}
      ${WAYS_OUT[key] === 'restart' && this.restartUrl
        ? html`<a part="restart-link" href=${this.restartUrl}>${text.restart}</a>`
        : nothing}`;
  }

  /** The value as the wire carries it: trimmed text, a number, a boolean; NaN when the browser cannot read the input. */
  #wireValue(field: FieldDefinition): FieldValue {
    const raw = this.#values[field.id];
    if (this.#unreadable.has(field.id)) return Number.NaN;
    if (field.type === 'checkbox') return raw === true;
    if (typeof raw !== 'string') return null;
    if (field.type === 'number') return raw.trim() ? Number(raw) : null;
    return raw.trim();
  }

  /** The error shown beside a field: the server's (a known code, else `invalid_format`), else the field's own rules once touched. */
  #errorOf(field: FieldDefinition): keyof Strings | null {
    const code = this.#serverErrors.get(field.id);
    if (this.#serverErrors.has(field.id)) return FIELD_CODES.includes(code as string) ? (code as keyof Strings) : 'invalid_format';
    return this.#touched.has(field.id) ? checkFieldValue(field, this.#wireValue(field)) : null;
  }

  #hasErrors(): boolean {
    return this.#fields.some((field) => this.#errorOf(field));
  }

  #handleInput(field: FieldDefinition, input: HTMLInputElement): void {
    // A half-typed number or date reads as "" with badInput: keep the last readable value, so the
    // re-render does not wipe what the user is typing.
    if (input.validity.badInput) this.#unreadable.add(field.id);
    else {
      this.#unreadable.delete(field.id);
      this.#values[field.id] = field.type === 'checkbox' ? input.checked : input.value;
    }
    this.#serverErrors.delete(field.id);
    // The summary goes once the user has fixed every field it pointed at.
    if (this.problem === 'invalid_fields' && !this.#hasErrors()) this.problem = undefined;
    if (this.#sub) saveDraft(this.#sub, this.#values);
    this.requestUpdate();
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
    if (this.#lastAction === 'skip') this.#handleSkip();
    else this.#handleSubmit(event);
  }

  async #send(action: 'submit' | 'skip'): Promise<void> {
    if (!this.#move('ready', 'busy')) return;
    this.#lastAction = action;
    this.problem = undefined;
    const session = { state: this.#state, session_token: this.#token };
    const values: Record<string, FieldValue> = {};
    for (const field of this.#fields) {
      const value = this.#wireValue(field);
      if (field.type === 'checkbox' || !isEmptyValue(value)) values[field.id] = value;
    }
    const endpoint = this.endpoint!;
    const body = action === 'skip' ? session : { ...session, values };
    const outcome = await this.#latest((signal) => postAction(endpoint, action, body, signal));
    if (!outcome) return;
    if (outcome.ok) {
      // Saved: the form is finished whoever continues the login (this element, or the host that
      // canceled pp-success), so its button reads "Done" and sends nothing more.
      this.#move('busy', 'done');
      const detail = { continueUrl: outcome.data.continue_url, sessionToken: outcome.data.session_token };
      if (this.#emit('pp-success', detail, true)) postToContinue(detail);
      return;
    }
    this.#move('busy', 'ready');
    this.problem = outcome.code;
    this.#serverErrors = new Map(outcome.fields);
    if (this.#serverErrors.size) void this.#focusFirstInvalid();
    this.#emit('pp-error', { code: outcome.code, message: this.#text[messageKey(outcome.code)] });
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
// `session_token` go; every other parameter and the hash stay exactly as they were.
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
