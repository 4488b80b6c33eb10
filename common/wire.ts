// The wire format shared by the server (server/) and the widget (widget/): what GET /form answers,
// what POST /submit and /skip take and answer, and the error codes. Neither side imports the
// other; both import this module. docs/reference/ describes the behaviour behind each shape.

export const FIELD_TYPES = [
  'text',
  'email',
  'tel',
  'url',
  'number',
  'date',
  'select',
  'checkbox',
  'textarea',
  'radio',
  'multiselect',
  'consent',
  'password',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A string, or one string per language tag (`{"en": "Company", "es": "Empresa"}`). */
export type LocalizedText = string | Readonly<Record<string, string>>;

export type MetadataTarget = 'user_metadata' | 'app_metadata';

export interface FieldOption {
  readonly value: string;
  readonly label: LocalizedText;
}

/**
 * Auth0's password strength levels of a database connection: `none` (1 character), `low` (6),
 * `fair` (8, lower + upper + digit), `good` (8, three of lower, upper, digit, special),
 * `excellent` (10, three of the four kinds, no character more than twice in a row).
 */
export type PasswordPolicyLevel = 'none' | 'low' | 'fair' | 'good' | 'excellent';

/** A database connection's password rules, shown before the user types (when the server could read them). */
export interface PasswordPolicy {
  readonly policy: PasswordPolicyLevel;
  /** Minimum length in characters (the connection's own, or the level's). */
  readonly min_length: number;
}

/** One field as the fields file defines it and GET /form answers it (options normalised to objects). */
export interface FieldDefinition {
  readonly id: string;
  readonly label: LocalizedText;
  readonly type: FieldType;
  readonly required: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  /** select, radio and multiselect. */
  readonly options?: readonly FieldOption[];
  /** multiselect: at least / at most this many items when any is chosen. */
  readonly minItems?: number;
  readonly maxItems?: number;
  /** tel: ISO 3166-1 alpha-2 country preselected in the picker, e.g. `US`. */
  readonly default_country?: string;
  /** tel: the countries the picker offers (ISO 3166-1 alpha-2); unset offers every country. */
  readonly countries?: readonly string[];
  /** consent: the https URL of the policy the label links to. */
  readonly policy_url?: string;
  /** consent: the policy's version, stored with the time of acceptance. */
  readonly version?: string;
  /** password: the connection's rules, when the server could read them. */
  readonly password_policy?: PasswordPolicy;
  readonly autocomplete?: string;
  readonly placeholder?: LocalizedText;
  readonly help?: LocalizedText;
  /** Where the value is stored; absent only on a `password` field, which is never stored. */
  readonly target?: MetadataTarget;
  readonly unique: boolean;
}

/** GET /form */
export interface FormDefinition {
  readonly fields: readonly FieldDefinition[];
  readonly allow_skip: boolean;
}

/**
 * A submitted value: strings for text-like types, `date` and `password`, a number for `number`,
 * a boolean for `checkbox` and `consent`, an array of distinct option values for `multiselect`.
 */
export type FieldValue = string | number | boolean | readonly string[] | null;

/** POST /submit */
export interface SubmitRequest {
  readonly state: string;
  readonly session_token: string;
  readonly values: Readonly<Record<string, FieldValue>>;
}

/** POST /skip */
export interface SkipRequest {
  readonly state: string;
  readonly session_token: string;
}

/** 200 from /submit and /skip: the browser POSTs `session_token` to `continue_url` as a top-level form. */
export interface ContinueResponse {
  readonly continue_url: string;
  readonly session_token: string;
}

export const ERROR_CODES = [
  'invalid_request',
  'session_expired',
  'invalid_session',
  'skip_not_allowed',
  'email_unverified',
  'session_used',
  'identity_exists',
  'invalid_fields',
  'rate_limited',
  'upstream_error',
  'upstream_unavailable',
  'upstream_timeout',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const FIELD_ERROR_CODES = [
  'required',
  'too_short',
  'too_long',
  'pattern',
  'invalid_option',
  'invalid_format',
  'taken',
  'too_few',
  'too_many',
  'rejected',
  'password_policy',
] as const;
export type FieldErrorCode = (typeof FIELD_ERROR_CODES)[number];

/** Longest text of a `messages` entry (a validation hook's or Auth0's reason, shown beside the field). */
export const MAX_FIELD_MESSAGE_LENGTH = 200;

export interface ErrorResponse {
  readonly error: ErrorCode;
  readonly message: string;
  readonly fields?: Readonly<Record<string, FieldErrorCode>>;
  /** Plain text (at most 200 characters) a validation hook or Auth0 gave for a field. */
  readonly messages?: Readonly<Record<string, string>>;
}

/** Claims of the session token (T1) that the widget may read for display; the server decides. */
export interface SessionTokenClaims {
  readonly sub?: string;
  readonly exp?: number;
  readonly fields?: readonly string[];
  readonly email_hint?: string;
  /** The user's language (the login's first `ui_locales`, else the browser's). */
  readonly lang?: string;
  /** `false` once the user has skipped as often as the Action allows. */
  readonly allow_skip?: boolean;
}
