import { html, nothing } from 'lit/html.js';
import type { TemplateResult } from 'lit/html.js';
import { BaseElement } from './base-element.js';
import type { PropertyOptions } from './base-element.js';
import { checkFieldValue, isEmptyValue, selectFieldsToAsk } from '../common/field-rules.js';
import type { FieldDefinition, FieldErrorCode, FieldType, FieldValue } from '../common/wire.js';
import { loadDraft, saveDraft } from './draft.js';
import type { DraftValues } from './draft.js';
import { getForm, postAction } from './form-client.js';
import { readSessionClaims } from './session-token.js';
import { en, format, localize, pickStrings } from './strings.js';
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

// loading → ready ⇄ busy → done; broken when the page cannot host a form at all.
type Phase = 'loading' | 'ready' | 'busy' | 'done' | 'broken';

// The way out each failure offers (besides keeping what the user typed).
const RETRY_CODES: readonly string[] = ['upstream_error', 'rate_limited', 'network_error'];
const RESTART_CODES: readonly string[] = ['session_expired', 'invalid_session', 'session_used'];
const INPUT_MODES: Partial<Record<FieldType, string>> = { number: 'decimal', email: 'email', tel: 'tel', url: 'url' };
const SESSION_PARAMS: readonly string[] = ['state', 'session_token'];

/**
 * Completes a user's profile in the middle of an Auth0 login: loads the form definition from the
 * Progressive Profile server, validates as the user types, submits, and resumes the login by
 * POSTing the continue token to Auth0 as a top-level form. It reads `state` and `session_token`
 * from the page URL and removes them from the address bar. Its language is its `lang` attribute,
 * else the nearest ancestor's (the page's `<html lang>`), else English; English and Spanish are
 * bundled. It never throws into the page: every failure is shown, announced and kept as state.
 *
 * @attr lang - Language of the strings and field labels (`es`, `es-MX`, `en`…).
 *
 * @fires pp-ready - Once, when the form is loaded and usable.
 * @fires pp-submit - The user submitted valid values; the request is on its way.
 * @fires pp-success - The server accepted; detail `{continueUrl, sessionToken}`. Cancelable: cancel it to continue yourself.
 * @fires pp-error - A submit or skip failed; detail `{code, message}`. What the user typed is kept.
 * @fires pp-skip - The user chose "Remind me later".
 *
 * @csspart form - The form.
 * @csspart field - One field's wrapper (label, input, hint, error).
 * @csspart label - A field's label.
 * @csspart required-mark - The mark beside a required field's label.
 * @csspart input - A field's input, select or checkbox.
 * @csspart hint - A field's help text.
 * @csspart error - A field's error message.
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
export class ProgressiveProfile extends BaseElement {
  static override styles = styles;

  static override properties: Record<string, PropertyOptions> = {
    endpoint: {},
    restartUrl: { attribute: 'restart-url' },
    state: {},
    sessionToken: { attribute: 'session-token' },
    theme: { reflect: true },
    strings: { attribute: false },
  };
  static override renderAttributes = ['lang'];

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

  #phase: Phase = 'loading';
  #problem?: string;
  #fields: FieldDefinition[] = [];
  #allowSkip = false;
  #values: DraftValues = {};
  // Inputs the browser cannot read (a half-typed number or date): they count as invalid_format.
  #unreadable = new Set<string>();
  // Fields validated as the user types: blurred once, or all of them after a submit attempt.
  #touched = new Set<string>();
  #serverErrors: Record<string, FieldErrorCode> = {};
  #lastAction: 'submit' | 'skip' = 'submit';
  #state = '';
  #token = '';
  #sub?: string;
  #emailHint?: string;
  #loading?: AbortController;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated && this.#phase === 'loading') void this.#load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#loading?.abort();
  }

  protected override firstUpdated(): void {
    const params = new URLSearchParams(location.search);
    this.#state = this.state || params.get('state') || '';
    this.#token = this.sessionToken || params.get('session_token') || '';
    removeSessionParams();
    void this.#load();
  }

  async #load(): Promise<void> {
    if (!this.endpoint) return this.#breakDown('missing_endpoint', 'no endpoint attribute');
    if (!this.#state || !this.#token) return this.#breakDown('missing_session', 'no state or session_token in the URL');
    const claims = readSessionClaims(this.#token);
    this.#sub = claims.sub;
    this.#emailHint = claims.email_hint;
    this.#loading = new AbortController();
    const outcome = await getForm(this.endpoint, this.#loading.signal);
    if (!outcome.ok) {
      if (outcome.code !== 'aborted') this.#breakDown('form_unavailable', `GET /form failed: ${outcome.code}`);
      return;
    }
    this.#fields = selectFieldsToAsk(outcome.data.fields, claims.fields);
    this.#allowSkip = outcome.data.allow_skip;
    if (this.#sub) this.#values = loadDraft(this.#sub, this.#fields.map((field) => field.id));
    this.#setPhase('ready');
    await this.updateComplete;
    this.#emit('pp-ready');
  }

  #setPhase(phase: Phase): void {
    this.#phase = phase;
    this.requestUpdate();
  }

  #breakDown(problem: string, reason: string): void {
    this.#problem = problem;
    this.#setPhase('broken');
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
    const isBusy = this.#phase !== 'ready';
    if (this.#phase === 'loading') return html`<p role="status">${text.loading}</p>`;
    if (this.#phase === 'broken') return html`<div part="notice" role="alert">${this.#renderProblem(text)}</div>`;
    return html`
      <form part="form" novalidate @submit=${this.#handleSubmit}>
        ${this.#emailHint ? html`<p part="email-hint">${format(text.emailHint, { email: this.#emailHint })}</p>` : nothing}
        ${this.#fields.some((field) => field.required) ? html`<p class="hint">${text.requiredLegend}</p>` : nothing}
        ${this.#fields.map((field, index) => this.#renderField(field, index, text))}
        <div part="notice" role="alert">${this.#renderProblem(text)}</div>
        <div part="actions" class="actions">
          <button part="submit-button" class="submit" aria-busy=${isBusy} aria-disabled=${isBusy}>
            ${isBusy ? text.submitting : text.submit}
          </button>
          ${this.#allowSkip
            ? html`<button part="skip-button" type="button" aria-disabled=${isBusy} @click=${this.#handleSkip}>
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
            inputmode=${INPUT_MODES[field.type] ?? nothing}
            placeholder=${localize(field.placeholder, lang) || nothing}
            ?required=${field.required}
            aria-invalid=${!!error}
            aria-describedby=${describedBy}
            @input=${onInput}
            @blur=${onBlur}
          />`;
    return html`<div part="field" class=${field.type}>
      <label part="label" for="f${index}"
        >${localize(field.label, lang)}${field.required
          ? html`<span part="required-mark" aria-hidden="true"> *</span>`
          : nothing}</label
      >
      ${control} ${help ? html`<p part="hint" class="hint" id="h${index}">${help}</p>` : nothing}
      ${error
        ? html`<p part="error" class="error" id="e${index}">
            ${format(text[error] ?? text.invalid_format, { n: error === 'too_short' ? field.minLength : field.maxLength })}
          </p>`
        : nothing}
    </div>`;
  }

  #renderProblem(text: Strings): TemplateResult | typeof nothing {
    if (!this.#problem) return nothing;
    const key = messageKey(this.#problem);
    return html`<p>${text[key]}</p>
      ${RETRY_CODES.includes(key)
        ? html`<button part="retry-button" type="button" @click=${this.#handleRetry}>${text.retry}</button>`
        : nothing}
      ${RESTART_CODES.includes(key) && this.restartUrl
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

  #errorOf(field: FieldDefinition): FieldErrorCode | null {
    return (
      this.#serverErrors[field.id] ?? (this.#touched.has(field.id) ? checkFieldValue(field, this.#wireValue(field)) : null)
    );
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
    delete this.#serverErrors[field.id];
    // The summary goes once the user has fixed every field it pointed at.
    if (this.#problem === 'invalid_fields' && !this.#hasErrors()) this.#problem = undefined;
    if (this.#sub) saveDraft(this.#sub, this.#values);
    this.requestUpdate();
  }

  #handleSubmit(event: Event): void {
    event.preventDefault();
    if (this.#phase !== 'ready') return;
    for (const field of this.#fields) this.#touched.add(field.id);
    if (this.#hasErrors()) {
      this.#problem = 'invalid_fields';
      void this.#focusFirstInvalid();
      return;
    }
    this.#emit('pp-submit');
    void this.#send('submit');
  }

  #handleSkip(): void {
    if (this.#phase !== 'ready') return;
    this.#emit('pp-skip');
    void this.#send('skip');
  }

  #handleRetry(event: Event): void {
    if (this.#lastAction === 'skip') this.#handleSkip();
    else this.#handleSubmit(event);
  }

  async #send(action: 'submit' | 'skip'): Promise<void> {
    this.#lastAction = action;
    this.#problem = undefined;
    this.#setPhase('busy');
    const session = { state: this.#state, session_token: this.#token };
    const values: Record<string, FieldValue> = {};
    for (const field of this.#fields) {
      const value = this.#wireValue(field);
      if (field.type === 'checkbox' || !isEmptyValue(value)) values[field.id] = value;
    }
    const outcome = await postAction(this.endpoint!, action, action === 'skip' ? session : { ...session, values });
    if (outcome.ok) {
      this.#setPhase('done');
      const detail = { continueUrl: outcome.data.continue_url, sessionToken: outcome.data.session_token };
      if (this.#emit('pp-success', detail, true)) postToContinue(detail);
      return;
    }
    this.#setPhase('ready');
    this.#problem = outcome.code;
    this.#serverErrors = { ...outcome.fields };
    if (outcome.fields) void this.#focusFirstInvalid();
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

/** The string explaining a failure: `upstream_*` and unreadable answers share one; unknown codes get the generic one. */
function messageKey(code: string): keyof Strings {
  if (code.startsWith('upstream_') || code === 'invalid_response') return 'upstream_error';
  return code in en ? (code as keyof Strings) : 'generic';
}

// A top-level POST keeps the continue token out of URLs, history and referrers.
function postToContinue({ continueUrl, sessionToken }: SuccessDetail): void {
  const form = document.createElement('form');
  const input = document.createElement('input');
  form.method = 'post';
  form.action = continueUrl;
  form.hidden = true;
  input.type = 'hidden';
  input.name = 'session_token';
  input.value = sessionToken;
  form.append(input);
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
