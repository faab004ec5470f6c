/**
 * The result model of the OpenAPI validator and its translation into field
 * errors, as apiextensions-apiserver's kubeOpenAPIResultToFieldErrors does it:
 * required -> Required, enum -> NotSupported, maxLength -> TooLong,
 * maxItems/maxProperties -> TooMany, type and format -> TypeInvalid, anything else
 * -> Invalid with kube-openapi's message; errors that are not about one value
 * (allOf/anyOf/oneOf/not summaries) land on the root path (`<nil>` upstream).
 */
import { FieldPath, type FieldError } from '../../validation/field-error.js';

export type Code =
  'invalidType' | 'required' | 'enum' | 'tooLong' | 'maxItems' | 'tooManyProperties' | 'validation' | 'composite';

export interface Issue {
  code: Code;
  /** The kube-openapi path of the value (empty for the root and for composite errors). */
  name: string;
  message: string;
  value?: unknown;
  /** The limit for tooLong / maxItems / tooManyProperties. */
  limit?: number;
  values?: unknown[];
}

/** A validation result; matchCount ranks failed anyOf/oneOf alternatives like kube-openapi's MatchCount. */
export class Result {
  issues: Issue[] = [];
  matchCount = 0;

  static of(issue: Issue): Result {
    const r = new Result();
    r.issues.push(issue);
    return r;
  }
  merge(other: Result | undefined): void {
    if (!other) return;
    for (const i of other.issues) this.issues.push(i);
    this.matchCount += other.matchCount;
  }
  get valid(): boolean {
    return this.issues.length === 0;
  }
}

export const ok = (count = 0): Result => {
  const r = new Result();
  r.matchCount = count;
  return r;
};

function enumText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function toFieldErrors(issues: Issue[], rootPath: FieldPath | undefined): FieldError[] {
  const base = rootPath ?? FieldPath.root('<nil>');
  return issues.map((i) => {
    if (i.code === 'composite') return base.invalid('', i.message);
    const name = i.name.startsWith('.') ? i.name.slice(1) : i.name;
    const path = name ? (rootPath ? rootPath.child(name) : FieldPath.root(name)) : base;
    const value = i.value ?? '';
    switch (i.code) {
      case 'required':
        return path.required();
      case 'enum':
        return path.notSupported(i.value ?? null, (i.values ?? []).map(enumText));
      case 'tooLong':
        return path.tooLong(value, i.limit ?? -1);
      case 'maxItems':
      case 'tooManyProperties':
        return path.tooMany(Number(i.value), i.limit ?? -1);
      case 'invalidType':
        return path.typeInvalid(value, i.message);
      default:
        return path.invalid(value, i.message);
    }
  });
}
