// Every user-visible string of the widget, in one typed object per language. `{n}` and `{email}`
// are filled in at render time. Site owners override any of them through the `strings` property.
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
  upstream_error: 'No se pudo guardar tu perfil.',
  rate_limited: 'Demasiados intentos. Espera un momento.',
  network_error: 'No se pudo contactar con el servidor.',
  generic: 'Algo salió mal.',
  missing_endpoint: 'Este formulario no está configurado.',
  missing_session: 'Abre esta página desde el inicio de sesión.',
  form_unavailable: 'No se pudo cargar el formulario.',
};

const languages: Readonly<Record<string, Strings>> = { en, es };

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
