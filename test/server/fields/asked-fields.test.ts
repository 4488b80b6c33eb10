import { describe, expect, it } from 'vitest';
import { createAskedFieldsSelector } from '../../../server/fields/asked-fields.js';
import { testForm } from '../support/fixtures.js';

function recordingLog() {
  const lines: { details: Record<string, unknown>; message: string }[] = [];
  return { lines, warn: (details: object, message: string) => void lines.push({ details: details as Record<string, unknown>, message }) };
}

describe('createAskedFieldsSelector', () => {
  const form = testForm();

  it('asks the claimed required fields and every optional one, or every field without a claim', () => {
    const select = createAskedFieldsSelector(form);
    const log = recordingLog();
    expect(select(['job_title'], log).map((field) => field.id)).toEqual(['job_title', 'nickname', 'plan', 'age', 'newsletter']);
    expect(select(undefined, log)).toHaveLength(form.fields.length);
    expect(log.lines).toEqual([]);
  });

  it('logs each id the form does not define once, naming it, and ignores it', () => {
    const select = createAskedFieldsSelector(form);
    const log = recordingLog();
    expect(select(['company_name', 'vat_number'], log).map((field) => field.id)).toContain('company_name');
    select(['vat_number', 'badge'], log);
    select(['badge', 'vat_number'], log);
    expect(log.lines.map((line) => line.details.field)).toEqual(['vat_number', 'badge']);
    expect(log.lines[0].message).toMatch(/does not define: ignored/);
  });

  it('asks no required field when the claim names none the form defines, so an empty submit completes', () => {
    const select = createAskedFieldsSelector(form);
    const asked = select(['vat_number'], recordingLog());
    expect(asked.every((field) => !field.required)).toBe(true);
  });

  it('stops logging after 100 distinct ids, saying so once', () => {
    const select = createAskedFieldsSelector(form);
    const log = recordingLog();
    select(Array.from({ length: 150 }, (_, index) => `unknown_${index}`), log);
    select(['one_more'], log);
    expect(log.lines).toHaveLength(101);
    expect(log.lines[100].message).toMatch(/no more are logged/);
  });

  it('logs an id as one short printable line', () => {
    const log = recordingLog();
    createAskedFieldsSelector(form)([`evil\nid${'x'.repeat(200)}`], log);
    const logged = String(log.lines[0].details.field);
    expect(logged).not.toContain('\n');
    expect(logged.length).toBeLessThanOrEqual(101);
  });
});
