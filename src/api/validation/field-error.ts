/**
 * Field errors as values (DESIGN.md convention 3), modelled on apimachinery's
 * `validation/field`: a path like `spec.template.spec.containers[0].image`, an
 * upstream error type, the bad value and a detail. `errorBody()` and `toString()`
 * print exactly what kube-apiserver prints, because kubectl shows it verbatim.
 */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

const typeText: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Marker: the bad value is not printed (upstream's `omitValue`). */
export const omitValue: unique symbol = Symbol('omitValue');

export interface FieldError {
  type: FieldErrorType;
  field: string;
  badValue: unknown;
  detail: string;
}

/** Go's %q for strings; good enough for the ASCII values field errors carry. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

function goValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** The part after the field path, e.g. `Invalid value: "Foo": a lowercase RFC 1123 ...`. */
export function errorBody(e: FieldError): string {
  let s: string;
  if (
    e.type === 'FieldValueRequired' ||
    e.type === 'FieldValueForbidden' ||
    e.type === 'FieldValueTooLong' ||
    e.type === 'InternalError' ||
    e.badValue === omitValue
  ) {
    s = typeText[e.type];
  } else {
    s = `${typeText[e.type]}: ${goValue(e.badValue)}`;
  }
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

/** Upstream's aggregate printing: one error alone, several as `[a, b]`, duplicates removed. */
export function aggregateMessage(errs: FieldError[]): string {
  const seen = new Set<string>();
  const msgs: string[] = [];
  for (const e of errs) {
    const m = fieldErrorString(e);
    if (!seen.has(m)) {
      seen.add(m);
      msgs.push(m);
    }
  }
  return msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`;
}

/**
 * An immutable field path. `root('spec').child('containers').index(0).child('image')`
 * prints as `spec.containers[0].image`; `key('app')` prints `[app]` (map keys).
 */
export class FieldPath {
  private constructor(
    private readonly parent: FieldPath | undefined,
    private readonly part: string,
    private readonly isIndex: boolean,
  ) {}

  static root(name = ''): FieldPath {
    return new FieldPath(undefined, name, false);
  }

  /** Builds a path from dotted segments: `FieldPath.of('spec', 'template')`. */
  static of(...names: string[]): FieldPath {
    let p = FieldPath.root(names[0] ?? '');
    for (const n of names.slice(1)) p = p.child(n);
    return p;
  }

  child(name: string, ...more: string[]): FieldPath {
    let p: FieldPath = new FieldPath(this, name, false);
    for (const m of more) p = p.child(m);
    return p;
  }
  index(i: number): FieldPath {
    return new FieldPath(this, `[${i}]`, true);
  }
  key(k: string): FieldPath {
    return new FieldPath(this, `[${k}]`, true);
  }

  /** The path's segments from the root down to this one. */
  private chain(): FieldPath[] {
    return this.parent ? [...this.parent.chain(), this] : [this];
  }

  toString(): string {
    const parts = this.chain();
    let out = '';
    for (const p of parts) {
      if (p.part === '') continue;
      if (p.isIndex || out === '') out += p.part;
      else out += `.${p.part}`;
    }
    return out;
  }

  // Constructors for each error type, bound to this path.
  required(detail = ''): FieldError {
    return { type: 'FieldValueRequired', field: this.toString(), badValue: '', detail };
  }
  invalid(value: unknown, detail = ''): FieldError {
    return { type: 'FieldValueInvalid', field: this.toString(), badValue: value, detail };
  }
  notSupported(value: unknown, valid: readonly string[]): FieldError {
    const detail = valid.length ? `supported values: ${valid.map(goQuote).join(', ')}` : '';
    return { type: 'FieldValueNotSupported', field: this.toString(), badValue: value, detail };
  }
  duplicate(value: unknown): FieldError {
    return { type: 'FieldValueDuplicate', field: this.toString(), badValue: value, detail: '' };
  }
  forbidden(detail: string): FieldError {
    return { type: 'FieldValueForbidden', field: this.toString(), badValue: '', detail };
  }
  tooLong(value: unknown, maxLength: number): FieldError {
    return {
      type: 'FieldValueTooLong',
      field: this.toString(),
      badValue: value,
      detail: `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}`,
    };
  }
  tooMany(actual: number, max: number): FieldError {
    return {
      type: 'FieldValueTooMany',
      field: this.toString(),
      badValue: actual,
      detail: `must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
    };
  }
  notFound(value: unknown): FieldError {
    return { type: 'FieldValueNotFound', field: this.toString(), badValue: value, detail: '' };
  }
  typeInvalid(value: unknown, detail: string): FieldError {
    return { type: 'FieldValueTypeInvalid', field: this.toString(), badValue: value, detail };
  }
  internal(err: unknown): FieldError {
    return {
      type: 'InternalError',
      field: this.toString(),
      badValue: omitValue,
      detail: err instanceof Error ? err.message : String(err),
    };
  }
}
