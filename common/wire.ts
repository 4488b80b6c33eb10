// The wire format shared by the server (server/) and the widget (widget/): what GET /form answers,
// what POST /submit and /skip take and answer, and the error codes. Neither side imports the
// other; both import this module. See CONTRACT.md for the behaviour behind each shape.

export const FIELD_TYPES = ['text', 'email', 'tel', 'url', 'number', 'date', 'select', 'checkbox'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A string, or one string per language tag (`{"en": "Company", "es": "Empresa"}`). */
export type LocalizedText = string | Readonly<Record<string, string>>;

export type MetadataTarget = 'user_metadata' | 'app_metadata';

export interface FieldOption {
  readonly value: string;
  readonly label: LocalizedText;
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
  readonly options?: readonly FieldOption[];
  readonly autocomplete?: string;
  readonly placeholder?: LocalizedText;
  readonly help?: LocalizedText;
  readonly target: MetadataTarget;
  readonly unique: boolean;
}

/** GET /form */
export interface FormDefinition {
  readonly fields: readonly FieldDefinition[];
  readonly allow_skip: boolean;
}

/** A submitted value: strings for text-like types and `date`, a number for `number`, a boolean for `checkbox`. */
export type FieldValue = string | number | boolean | null;

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

export type ErrorCode =
  | 'invalid_request'
  | 'session_expired'
  | 'invalid_session'
  | 'skip_not_allowed'
  | 'session_used'
  | 'invalid_fields'
  | 'rate_limited'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'upstream_timeout';

export type FieldErrorCode =
  | 'required'
  | 'too_short'
  | 'too_long'
  | 'pattern'
  | 'invalid_option'
  | 'invalid_format'
  | 'taken';

export interface ErrorResponse {
  readonly error: ErrorCode;
  readonly message: string;
  readonly fields?: Readonly<Record<string, FieldErrorCode>>;
}

/** Claims of the session token (T1) that the widget may read for display; the server decides. */
export interface SessionTokenClaims {
  readonly sub?: string;
  readonly exp?: number;
  readonly fields?: readonly string[];
  readonly email_hint?: string;
}
