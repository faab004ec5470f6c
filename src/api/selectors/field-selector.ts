import { badRequest } from '../errors/status-error.js';
import { compareStrings } from './requirement.js';

/**
 * Field selectors (apimachinery `fields.ParseSelector`): comma-separated terms
 * `field=value`, `field==value` or `field!=value`, ANDed. Values escape `\`, `,`
 * and `=` with a backslash; field names are taken literally (no trimming, as
 * upstream). A field missing from the object's field set reads as "".
 */
export interface FieldTerm {
  readonly field: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

export interface FieldMatcher {
  matches(fields: Readonly<Record<string, string>>): boolean;
  isEmpty(): boolean;
  /** Canonical form: terms sorted as parsed, values escaped. */
  toString(): string;
  terms(): readonly FieldTerm[];
  /** The value an `f=v` term requires, for index lookups (e.g. spec.nodeName). */
  exactMatchValue(field: string): string | undefined;
  /**
   * Rewrites every term through `fn` (upstream Selector.Transform), used to
   * check and alias field labels per resource. A term mapped to an empty
   * field and value is dropped.
   */
  transform(fn: (field: string, value: string) => { field: string; value: string }): FieldMatcher;
}

class TermsMatcher implements FieldMatcher {
  readonly #terms: readonly FieldTerm[];
  constructor(terms: readonly FieldTerm[]) {
    this.#terms = Object.freeze([...terms]);
  }
  matches(fields: Readonly<Record<string, string>>): boolean {
    for (const t of this.#terms) {
      const actual = Object.prototype.hasOwnProperty.call(fields, t.field) ? fields[t.field] : '';
      if ((actual === t.value) !== (t.op === '=')) return false;
    }
    return true;
  }
  isEmpty(): boolean {
    return this.#terms.length === 0;
  }
  toString(): string {
    return this.#terms.map((t) => `${t.field}${t.op}${escapeFieldValue(t.value)}`).join(',');
  }
  terms(): readonly FieldTerm[] {
    return this.#terms;
  }
  exactMatchValue(field: string): string | undefined {
    return this.#terms.find((t) => t.field === field && t.op === '=')?.value;
  }
  transform(fn: (field: string, value: string) => { field: string; value: string }): FieldMatcher {
    const out: FieldTerm[] = [];
    for (const t of this.#terms) {
      const r = fn(t.field, t.value);
      if (r.field === '' && r.value === '') continue;
      out.push({ field: r.field, op: t.op, value: r.value });
    }
    return out.length === 0 ? everythingFields : new TermsMatcher(out);
  }
}

/** Matches every object (an empty `?fieldSelector=`). */
export const everythingFields: FieldMatcher = new TermsMatcher([]);

/** Escapes `\`, `,` and `=` in a value (upstream fields.EscapeValue). */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Undoes escapeFieldValue; returns an error message for bad escapes or bare `,`/`=` (upstream UnescapeValue). */
export function unescapeFieldValue(s: string): string | { error: string } {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=')
        return { error: `invalid field selector: invalid escape sequence: \\${c}` };
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Upstream formats the rune with %v, which prints its code point.
      return { error: `invalid field selector: unescaped character in value: ${c.codePointAt(0)}` };
    } else {
      out += c;
    }
  }
  if (inSlash) return { error: 'invalid field selector: invalid escape sequence: \\' };
  return out;
}

/** Splits on commas not preceded by a backslash escape. */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const termOperators = ['!=', '==', '='] as const;

/** The first operator occurrence splits a term (upstream splitTerm). */
function splitTerm(term: string): { lhs: string; op: (typeof termOperators)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** Parses a field selector; returns the matcher or upstream's error message. */
export function tryParseFieldSelector(selector: string): FieldMatcher | string {
  const parts = splitTerms(selector).sort(compareStrings);
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) return `invalid selector: '${selector}'; can't understand '${part}'`;
    const value = unescapeFieldValue(split.rhs);
    if (typeof value !== 'string') return value.error;
    terms.push({ field: split.lhs, op: split.op === '!=' ? '!=' : '=', value });
  }
  return terms.length === 0 ? everythingFields : new TermsMatcher(terms);
}

/** Parses `?fieldSelector=`; throws a 400 StatusError with upstream's message on bad syntax. */
export function parseFieldSelector(selector: string): FieldMatcher {
  const out = tryParseFieldSelector(selector);
  if (typeof out === 'string') throw badRequest(out);
  return out;
}

/** A selector requiring each field to equal the given value (upstream fields.SelectorFromSet). */
export function fieldSelectorFromSet(set: Readonly<Record<string, string>>): FieldMatcher {
  const terms = Object.keys(set)
    .sort(compareStrings)
    .map((field) => ({ field, op: '=' as const, value: set[field]! }));
  return terms.length === 0 ? everythingFields : new TermsMatcher(terms);
}
