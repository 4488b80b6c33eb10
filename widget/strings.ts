// Every user-visible string of the widget, in one typed object per language. `{n}`, `{min}`,
// `{max}` and `{email}` are filled in at render time. Site owners override any of them through the `strings` property.
// Failure messages are keyed by the wire code they explain.

export interface Strings {
  loading: string;
  emailHint: string;
  requiredLegend: string;
  choose: string;
  submit: string;
  submitting: string;
  /** The submit button once the server accepted and the page continues the login itself (pp-success canceled). */
  done: string;
  skip: string;
  retry: string;
  restart: string;
  /** After a success, when the page is shown again (Back, a reload): the form is finished. */
  finished: string;
  /** The link of `finished`, to `restart-url`. */
  back: string;
  /** T1 names no field this form asks for: the login continues at once. */
  nothing: string;
  /** The accessible name of a phone field's country picker, after the field's label. */
  country: string;
  /** A phone field's hint when the calling codes could not be loaded (a plain international number). */
  international: string;
  /** The link beside a consent box. */
  policy: string;
  /** The password field's show/hide toggle button (its name; `aria-pressed` says whether the password shows). */
  showPassword: string;
  /**
   * The connection's password rules shown under a password field, in words: `password_low` for
   * `none` and `low`; `fair` adds `password_fair`, `good` adds `password_good`, `excellent` adds
   * `password_good` and `password_excellent`.
   */
  password_low: string;
  password_fair: string;
  password_good: string;
  password_excellent: string;
  /** A multiselect's hint when it has both `minItems` and `maxItems` (one of them alone reads as `too_few` / `too_many`). */
  between: string;
  required: string;
  too_short: string;
  too_long: string;
  pattern: string;
  invalid_option: string;
  invalid_format: string;
  taken: string;
  too_few: string;
  too_many: string;
  rejected: string;
  password_policy: string;
  /** The summary announced when a submit finds invalid fields. */
  invalid_fields: string;
  session_expired: string;
  invalid_session: string;
  session_used: string;
  skip_not_allowed: string;
  email_unverified: string;
  identity_exists: string;
  /** Every `upstream_*` code and an answer the widget cannot read. */
  upstream_error: string;
  rate_limited: string;
  network_error: string;
  /** `invalid_request` and anything unexpected. */
  generic: string;
  missing_endpoint: string;
  missing_session: string;
  form_unavailable: string;
}

export const en: Strings = {
  loading: 'Loading…',
  emailHint: 'Completing the profile of {email}',
  requiredLegend: '* Required',
  choose: 'Choose…',
  submit: 'Save and continue',
  submitting: 'Saving…',
  done: 'Done',
  skip: 'Remind me later',
  retry: 'Try again',
  restart: 'Sign in again',
  finished: 'You are all set.',
  back: 'Back to the app',
  nothing: 'Nothing to complete.',
  country: 'country',
  international: 'Start with + and the country code.',
  policy: 'Read the policy (new tab)',
  showPassword: 'Show password',
  password_low: 'At least {n} characters.',
  password_fair: 'Use lower-case and upper-case letters and a digit.',
  password_good: 'Use three of: lower-case, upper-case, digits, symbols.',
  password_excellent: 'No character more than twice in a row.',
  between: 'Choose {min} to {max}.',
  required: 'This field is required.',
  too_short: 'At least {n} characters.',
  too_long: 'At most {n} characters.',
  pattern: 'Invalid format.',
  invalid_option: 'Choose an option.',
  invalid_format: 'Enter a valid value.',
  taken: 'Already in use.',
  too_few: 'Choose at least {n}.',
  too_many: 'Choose at most {n}.',
  rejected: 'This value is not accepted.',
  password_policy: 'This password is too weak.',
  invalid_fields: 'Please correct the marked fields.',
  session_expired: 'Your session has expired.',
  invalid_session: 'This link is not valid.',
  session_used: 'This form was already sent.',
  skip_not_allowed: 'This form cannot be skipped.',
  email_unverified: 'Verify your email address first.',
  identity_exists: 'This email already has an account: sign in with it.',
  upstream_error: 'Your profile could not be saved.',
  rate_limited: 'Too many attempts. Wait a moment.',
  network_error: 'The server could not be reached.',
  generic: 'Something went wrong.',
  missing_endpoint: 'This form is not set up.',
  missing_session: 'Open this page from the sign-in.',
  form_unavailable: 'The form could not be loaded.',
};

export const es: Strings = {
  loading: 'Cargando…',
  emailHint: 'Completando el perfil de {email}',
  requiredLegend: '* Obligatorio',
  choose: 'Elige…',
  submit: 'Guardar y continuar',
  submitting: 'Guardando…',
  done: 'Listo',
  skip: 'Recordármelo más tarde',
  retry: 'Reintentar',
  restart: 'Volver a iniciar sesión',
  finished: 'Todo listo.',
  back: 'Volver a la aplicación',
  nothing: 'No hay nada que completar.',
  country: 'país',
  international: 'Empieza por + y el prefijo del país.',
  policy: 'Leer la política (pestaña nueva)',
  showPassword: 'Mostrar contraseña',
  password_low: 'Al menos {n} caracteres.',
  password_fair: 'Usa minúsculas, mayúsculas y un número.',
  password_good: 'Usa tres de: minúsculas, mayúsculas, números, símbolos.',
  password_excellent: 'Ningún carácter más de dos veces seguidas.',
  between: 'Elige de {min} a {max}.',
  required: 'Este campo es obligatorio.',
  too_short: 'Mínimo {n} caracteres.',
  too_long: 'Máximo {n} caracteres.',
  pattern: 'Formato no válido.',
  invalid_option: 'Elige una opción.',
  invalid_format: 'Valor no válido.',
  taken: 'Ya está en uso.',
  too_few: 'Elige al menos {n}.',
  too_many: 'Elige como máximo {n}.',
  rejected: 'Este valor no se acepta.',
  password_policy: 'Esta contraseña es demasiado débil.',
  invalid_fields: 'Corrige los campos marcados.',
  session_expired: 'Tu sesión ha caducado.',
  invalid_session: 'Este enlace no es válido.',
  session_used: 'Este formulario ya se envió.',
  skip_not_allowed: 'Este formulario no se puede omitir.',
  email_unverified: 'Primero verifica tu correo.',
  identity_exists: 'Este correo ya tiene una cuenta: inicia sesión con ella.',
  upstream_error: 'No se pudo guardar tu perfil.',
  rate_limited: 'Demasiados intentos. Espera un momento.',
  network_error: 'No se pudo contactar con el servidor.',
  generic: 'Algo salió mal.',
  missing_endpoint: 'Este formulario no está configurado.',
  missing_session: 'Abre esta página desde el inicio de sesión.',
  form_unavailable: 'No se pudo cargar el formulario.',
};

/** The bundled languages, by primary language subtag. */
export const languages: Readonly<Record<string, Strings>> = { en, es };

/** `es-MX` → `es`. */
export function primaryLanguage(lang: string): string {
  return lang.toLowerCase().split('-')[0];
}

/** The strings for a language tag (`es-MX` → Spanish); English when the language is not bundled. */
export function pickStrings(lang: string): Strings {
  const primary = primaryLanguage(lang);
  return Object.hasOwn(languages, primary) ? languages[primary] : en;
}

/** A label, help text or placeholder in `lang`: the exact tag, its primary language, English, then the first given. */
export function localize(text: string | Readonly<Record<string, string>> | undefined, lang: string): string {
  if (!text || typeof text !== 'object') return text ?? '';
  return text[lang] ?? text[primaryLanguage(lang)] ?? text.en ?? Object.values(text)[0] ?? '';
}

/** Fills `{name}` placeholders. */
export function format(template: string, values: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? whole));
}
