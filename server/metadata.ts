/** A metadata object as the Management API stores it: first-level keys are the field ids. */
export type Metadata = Record<string, unknown>;
