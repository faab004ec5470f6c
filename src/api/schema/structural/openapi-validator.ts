/**
 * OpenAPI v3 validation of a custom object against its CRD schema, reproducing
 * kube-openapi's SchemaValidator (`pkg/validation/validate`) as kube-apiserver
 * v1.32 runs it for custom resources, and the translation of its results into
 * field errors (apiextensions-apiserver `validation.go`
 * kubeOpenAPIResultToFieldErrors).
 *
 * Messages name values by their kube-openapi path (`spec.replicas`, items as
 * `spec.ports[0]`, additionalProperties keys as `spec.map.key`) and say
 * `in body`; the field path of each error is that name under `rootPath`.
 * Errors without a name (allOf/anyOf/oneOf/not summaries, errors about the root
 * value) sit on `rootPath`, which upstream leaves nil and prints as `<nil>`.
 */
import type { FieldError, FieldPath } from '../../validation/field-error.js';
import { checkFormat, effectiveFormat } from './formats.js';
import { goFloat, goNumber, goQuoted } from './go-format.js';
import { compileGoPattern } from './go-regexp.js';
import { type Issue, ok, Result, toFieldErrors } from './openapi-result.js';
import {
  additionalPropertiesSchema,
  has,
  isJSONObject,
  itemsSchema,
  jsonEqual,
  jsonKind,
  type JSONKind,
  type SchemaProps,
} from './schema-props.js';

function schemaTypes(s: SchemaProps): string[] {
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  return s.type ? [s.type] : [];
}

function invalidType(name: string, typeName: string, value: string): Result {
  return Result.of({
    code: 'invalidType',
    name,
    value,
    message: `${name} in body must be of type ${typeName}: ${goQuoted(value)}`,
  });
}

/** The JSON type and swagger format kube-openapi infers for a decoded value. */
function inferred(kind: JSONKind): [string, string] {
  if (kind === 'integer') return ['integer', 'int64'];
  if (kind === 'number') return ['number', 'float64'];
  return [kind, ''];
}

function checkType(s: SchemaProps, name: string, data: unknown, kind: JSONKind): Result {
  const types = schemaTypes(s);
  const format = effectiveFormat(s.format);
  if (kind === 'null') {
    if (types.length > 0 && !types.includes('null') && !s.nullable) return invalidType(name, types.join(','), 'null');
    return ok(1);
  }
  const [schType, schFormat] = inferred(kind);
  const intAsNumber = schType === 'integer' && types.includes('number');
  const scalarish = kind !== 'string' && kind !== 'array';
  if (scalarish && format && !(types.includes(schType) || schFormat === format || intAsNumber)) {
    return invalidType(name, format, schFormat);
  }
  if (!(types.includes('number') || types.includes('integer')) && format && !scalarish) return ok(1);
  if (!(types.includes(schType) || intAsNumber)) return invalidType(name, types.join(','), schType);
  return ok(1);
}

function checkString(s: SchemaProps, name: string, data: string): Result | undefined {
  const runes = [...data].length;
  if (s.maxLength !== undefined && runes > s.maxLength) {
    return Result.of({
      code: 'tooLong',
      name,
      value: data,
      limit: s.maxLength,
      message: `${name} in body should be at most ${s.maxLength} chars long`,
    });
  }
  if (s.minLength !== undefined && runes < s.minLength) {
    return Result.of({
      code: 'validation',
      name,
      value: data,
      message: `${name} in body should be at least ${s.minLength} chars long`,
    });
  }
  if (s.pattern) {
    const compiled = compileGoPattern(s.pattern);
    const shown = compiled.re ? s.pattern : `${s.pattern}, but pattern is invalid: ${compiled.error}`;
    if (!compiled.re || !compiled.re.test(data)) {
      return Result.of({ code: 'validation', name, value: data, message: `${name} in body should match '${shown}'` });
    }
  }
  return undefined;
}

/** swag.IsFloat64AJSONInteger: integral within a relative epsilon of 1e-9. */
function isJSONInteger(f: number): boolean {
  if (!Number.isFinite(f) || Math.abs(f) > 2 ** 53) return false;
  const fa = Math.abs(f);
  const g = Math.trunc(fa);
  if (fa === g) return true;
  if (g === 0) return fa < 1e-9;
  return Math.abs(fa - g) / fa < 1e-9;
}

function checkNumber(s: SchemaProps, name: string, data: number): Result {
  const res = ok(1);
  const isInt = Number.isInteger(data);
  const fail = (message: string) => res.merge(Result.of({ code: 'validation', name, value: data, message }));

  if (s.multipleOf !== undefined) {
    const factor = s.multipleOf;
    if (factor < 0) {
      fail(`factor MultipleOf declared for ${name} must be positive: ${goNumber(factor)}`);
    } else if (isInt && factor >= 1) {
      // Integer data uses integer arithmetic with the factor truncated, as MultipleOfNativeType does.
      const f = Math.trunc(factor);
      if (data % f !== 0) fail(`${name} in body should be a multiple of ${f}`);
    } else if (factor > 0) {
      const mult = factor < 1 ? (1 / factor) * data : data / factor;
      if (!isJSONInteger(mult)) fail(`${name} in body should be a multiple of ${goFloat(factor)}`);
    }
  }
  const bound = (limit: number, exclusive: boolean | undefined, isMax: boolean) => {
    const lim = isInt ? Math.trunc(limit) : limit;
    const bad = isMax ? (exclusive ? data >= lim : data > lim) : exclusive ? data <= lim : data < lim;
    if (!bad) return;
    const shown = isInt ? goNumber(lim) : goFloat(lim);
    const rel = isMax
      ? exclusive
        ? 'less than'
        : 'less than or equal to'
      : exclusive
        ? 'greater than'
        : 'greater than or equal to';
    fail(`${name} in body should be ${rel} ${shown}`);
  };
  if (s.minimum !== undefined) bound(s.minimum, s.exclusiveMinimum, false);
  if (s.maximum !== undefined) bound(s.maximum, s.exclusiveMaximum, true);
  return res;
}

function checkArray(s: SchemaProps, name: string, data: unknown[]): Result {
  const res = new Result();
  const items = itemsSchema(s);
  if (items) data.forEach((v, i) => res.merge(validateValue(items, `${name}[${i}]`, v)));
  const size = data.length;
  if (s.minItems !== undefined && size < s.minItems) {
    res.merge(
      Result.of({
        code: 'validation',
        name,
        value: size,
        message: `${name} in body should have at least ${s.minItems} items`,
      }),
    );
  }
  if (s.maxItems !== undefined && size > s.maxItems) {
    res.merge(
      Result.of({
        code: 'maxItems',
        name,
        value: size,
        limit: s.maxItems,
        message: `${name} in body should have at most ${s.maxItems} items`,
      }),
    );
  }
  if (s.uniqueItems && data.some((v, i) => data.slice(0, i).some((u) => jsonEqual(u, v)))) {
    res.merge(Result.of({ code: 'validation', name, message: `${name} in body shouldn't contain duplicates` }));
  }
  res.matchCount++;
  return res;
}

function checkEnum(s: SchemaProps, name: string, data: unknown): Result | undefined {
  if (!s.enum || s.enum.length === 0) return undefined;
  if (data !== null && data !== undefined && s.enum.some((e) => e !== null && jsonEqual(data, e))) return undefined;
  return Result.of({
    code: 'enum',
    name,
    value: data,
    values: s.enum,
    message: `${name} in body should be one of the enum values`,
  });
}

function checkObject(s: SchemaProps, name: string, data: Record<string, unknown>): Result {
  const keys = Object.keys(data);
  if (s.minProperties !== undefined && keys.length < s.minProperties) {
    return Result.of({
      code: 'validation',
      name,
      value: keys.length,
      message: `${name} in body should have at least ${s.minProperties} properties`,
    });
  }
  if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
    return Result.of({
      code: 'tooManyProperties',
      name,
      value: keys.length,
      limit: s.maxProperties,
      message: `${name} in body should have at most ${s.maxProperties} properties`,
    });
  }
  const res = new Result();
  const props = s.properties ?? {};
  const extra = keys.filter((k) => !has(props, k));
  if (s.additionalProperties === false) {
    for (const k of extra) {
      res.merge(
        Result.of({ code: 'validation', name, value: k, message: `${name}.${k} in body is a forbidden property` }),
      );
    }
  } else {
    const ap = additionalPropertiesSchema(s);
    if (ap) for (const k of extra) res.merge(validateValue(ap, `${name}.${k}`, data[k]));
  }
  for (const [p, ps] of Object.entries(props)) {
    if (has(data, p) && data[p] !== undefined) res.merge(validateValue(ps, name ? `${name}.${p}` : p, data[p]));
  }
  for (const k of s.required ?? []) {
    if (!has(data, k) || data[k] === undefined) {
      res.merge(Result.of({ code: 'required', name: `${name}.${k}`, message: `${name}.${k} in body is required` }));
    }
  }
  return res;
}

const composite = (message: string): Issue => ({ code: 'composite', name: '', message });

function checkCombinators(s: SchemaProps, name: string, data: unknown): Result {
  const main = new Result();
  if (s.anyOf && s.anyOf.length > 0) {
    let best: Result | undefined;
    let first: Result | undefined;
    let succeeded = false;
    for (const alt of s.anyOf) {
      const r = validateValue(alt, name, data);
      if (r.valid) {
        succeeded = true;
        best = undefined;
        first ??= r;
        break;
      }
      if (!best || r.matchCount > best.matchCount) best = r;
    }
    if (!succeeded) main.issues.push(composite(`${goQuoted(name)} must validate at least one schema (anyOf)`));
    main.merge(best ?? first);
  }
  if (s.oneOf && s.oneOf.length > 0) {
    let best: Result | undefined;
    let first: Result | undefined;
    let validated = 0;
    for (const alt of s.oneOf) {
      const r = validateValue(alt, name, data);
      if (r.valid) {
        validated++;
        best = undefined;
        first ??= r;
        continue;
      }
      if (validated === 0 && (!best || r.matchCount > best.matchCount)) best = r;
    }
    if (validated !== 1) {
      const why = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
      main.issues.push(composite(`${goQuoted(name)} must validate one and only one schema (oneOf). ${why}`));
      main.merge(best);
    } else {
      main.merge(first);
    }
  }
  if (s.allOf && s.allOf.length > 0) {
    let validated = 0;
    for (const alt of s.allOf) {
      const r = validateValue(alt, name, data);
      if (r.valid) validated++;
      main.merge(r);
    }
    if (validated !== s.allOf.length) {
      const why = validated === 0 ? '. None validated' : '';
      main.issues.push(composite(`${goQuoted(name)} must validate all the schemas (allOf)${why}`));
    }
  }
  if (s.not && validateValue(s.not, name, data).valid) {
    main.issues.push(composite(`${goQuoted(name)} must not validate the schema (not)`));
  }
  main.matchCount++;
  return main;
}

/** One SchemaValidator.Validate: the validators that apply to the value's kind, in kube-openapi's order. */
function validateValue(s: SchemaProps, name: string, data: unknown): Result {
  const res = new Result();
  const kind = jsonKind(data);
  if (kind === 'null') {
    res.merge(checkType(s, name, data, kind));
    res.merge(checkEnum(s, name, data));
    return res;
  }
  const step = (r: Result | undefined) => {
    res.merge(r);
    res.matchCount++;
  };
  if (schemaTypes(s).length > 0 || effectiveFormat(s.format)) step(checkType(s, name, data, kind));
  step(checkCombinators(s, name, data));
  if (kind === 'string') {
    step(checkString(s, name, data as string));
    const format = effectiveFormat(s.format);
    if (format) {
      const bad = !checkFormat(format, data as string);
      step(bad ? invalidTypeWithValue(name, format, data as string) : undefined);
    }
  }
  if (kind === 'integer' || kind === 'number') step(checkNumber(s, name, data as number));
  if (kind === 'array') step(checkArray(s, name, data as unknown[]));
  step(checkEnum(s, name, data));
  if (kind === 'object' && isJSONObject(data)) step(checkObject(s, name, data));
  res.matchCount++;
  return res;
}

function invalidTypeWithValue(name: string, format: string, data: string): Result {
  return Result.of({
    code: 'invalidType',
    name,
    value: data,
    message: `${name} in body must be of type ${format}: ${goQuoted(data)}`,
  });
}

/**
 * The OpenAPI part of custom-resource validation: FieldErrors for `value`
 * against `schema` with kube-apiserver's paths and messages.
 */
export function validateOpenAPI(value: unknown, schema: SchemaProps, rootPath?: FieldPath): FieldError[] {
  return toFieldErrors(validateValue(schema, '', value).issues, rootPath);
}
