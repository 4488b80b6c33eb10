// The widget's floor: the same form the hosted and embedded pages show (the demo's fields file,
// the fields T1 asks for, every optional one, a phone field's country picker with every country)
// as plain HTML, no JavaScript, in the benchmark's page chrome (bench/page-chrome.ts). Nothing can be
// interactive sooner than this.
import { readFileSync } from 'node:fs';
import { getCountries } from 'libphonenumber-js/min';
import { renderBenchPage } from './page-chrome.js';
import { REQUIRED_FIELDS } from './tokens.js';

type Text = string | Record<string, string>;
interface PlainField {
  id: string;
  type: string;
  label: Text;
  required?: boolean;
  maxLength?: number;
  autocomplete?: string;
  help?: Text;
  options?: Array<string | { value: string; label: Text }>;
  default_country?: string;
  countries?: string[];
  policy_url?: string;
}

const escape = (text: string) => text.replace(/[&<>"']/gu, (char) => `&#${char.charCodeAt(0)};`);
const english = (text: Text | undefined) => escape(text === undefined ? '' : typeof text === 'string' ? text : (text.en ?? Object.values(text)[0] ?? ''));

/** The page, for the fields file at `fieldsFile` and a T1 asking for `claimedIds`. */
export function renderPlainPage(fieldsFile: string, claimedIds: readonly string[] = REQUIRED_FIELDS): string {
  const form = JSON.parse(readFileSync(fieldsFile, 'utf8')) as { fields: PlainField[] };
  // As the server and the widget choose (common/field-rules.ts selectFieldsToAsk): the claimed
  // required fields and every optional one.
  const asked = form.fields.filter((field) => !field.required || claimedIds.includes(field.id));
  return renderBenchPage({
    styles: `form { display: grid; gap: 1rem; }
label { display: grid; gap: .25rem; }
fieldset { display: grid; gap: .25rem; border: 0; padding: 0; margin: 0; }
fieldset label { display: block; }
`,
    main: `<form method="post" action="/submit">
${asked.map(renderField).join('\n')}
<button type="submit">Continue</button>
</form>`,
  });
}

function renderField(field: PlainField): string {
  const label = english(field.label);
  const required = field.required ? ' required' : '';
  const help = field.help === undefined ? '' : ` <small>${english(field.help)}</small>`;
  const options = (field.options ?? []).map((option) => (typeof option === 'string' ? { value: option, label: option } : option));
  switch (field.type) {
    case 'checkbox':
      return `<label><input name="${field.id}" type="checkbox"${required}> ${label}</label>`;
    case 'consent':
      return `<label><input name="${field.id}" type="checkbox"${required}> ${label} (<a href="${escape(field.policy_url ?? '')}" target="_blank" rel="noopener">read</a>)</label>`;
    case 'radio':
    case 'multiselect': {
      const type = field.type === 'radio' ? 'radio' : 'checkbox';
      const choices = options.map((option) => `<label><input name="${field.id}" type="${type}" value="${escape(option.value)}"> ${english(option.label)}</label>`);
      return `<fieldset><legend>${label}</legend>${choices.join('')}${help}</fieldset>`;
    }
    case 'select':
      return `<label>${label} <select name="${field.id}"${required}><option value=""></option>${options
        .map((option) => `<option value="${escape(option.value)}">${english(option.label)}</option>`)
        .join('')}</select>${help}</label>`;
    case 'textarea':
      return `<label>${label} <textarea name="${field.id}"${required} maxlength="${field.maxLength ?? 1000}"></textarea>${help}</label>`;
    case 'tel': {
      const names = new Intl.DisplayNames(['en'], { type: 'region' });
      const countries = (field.countries ?? getCountries()).map((code) => ({ code, name: names.of(code) ?? code }));
      countries.sort((a, b) => a.name.localeCompare(b.name, 'en'));
      const picker = countries
        .map(({ code, name }) => `<option value="${code}"${code === field.default_country ? ' selected' : ''}>${escape(name)}</option>`)
        .join('');
      return `<fieldset><legend>${label}</legend><select name="${field.id}_country">${picker}</select><input name="${field.id}" type="tel"${required} autocomplete="tel-national">${help}</fieldset>`;
    }
    default: {
      const maxLength = field.maxLength === undefined ? '' : ` maxlength="${field.maxLength}"`;
      const autocomplete = field.autocomplete === undefined ? '' : ` autocomplete="${escape(field.autocomplete)}"`;
      return `<label>${label} <input name="${field.id}" type="${field.type}"${required}${maxLength}${autocomplete}>${help}</label>`;
    }
  }
}
