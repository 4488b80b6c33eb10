// The form used when PROFILE_FIELDS_FILE is unset: Auth0's own progressive-profiling example
// (company and job title), in the fields-file format so it goes through the same validation.
export const DEFAULT_FORM = {
  fields: [
    {
      id: 'company_name',
      label: { en: 'Company', es: 'Empresa' },
      type: 'text',
      required: true,
      maxLength: 100,
      autocomplete: 'organization',
    },
    {
      id: 'job_title',
      label: { en: 'Job title', es: 'Cargo' },
      type: 'text',
      required: true,
      maxLength: 100,
      autocomplete: 'organization-title',
    },
  ],
  allow_skip: false,
} as const;
