/**
 * gnostic's `Any` carries a JSON value as YAML text (`Any.yaml`, field 2); that
 * is how vendor extensions, `default`, `example` and `enum` values travel.
 * Clients read it back with gopkg.in/yaml.v2, a YAML 1.1 parser, so strings
 * such as `yes`, `on`, `y` or `1:20` must be quoted or they would come back
 * as booleans and numbers: the text is written with the YAML 1.1 schema.
 */
import { parse, stringify } from 'yaml';

const yaml11 = { version: '1.1', lineWidth: 0 } as const;

/**
 * Returns a function that renders values as `Any.yaml` text, remembering the
 * text of values it has seen (a document repeats the same few extension
 * values, such as `x-kubernetes-action: get`, thousands of times).
 */
export function yamlTextWriter(): (value: unknown) => string {
  const memo = new Map<string, string>();
  return (value) => {
    if (value === undefined) value = null;
    const key = JSON.stringify(value);
    let text = memo.get(key);
    if (text === undefined) {
      text = stringify(value, yaml11);
      memo.set(key, text);
    }
    return text;
  };
}

/**
 * Returns a function that reads `Any.yaml` text back into a JSON value. Each
 * call returns a fresh value (memoised parses are cloned), so callers may
 * mutate what they get.
 */
export function yamlTextReader(): (text: string) => unknown {
  const memo = new Map<string, unknown>();
  return (text) => {
    let value = memo.get(text);
    if (value === undefined && !memo.has(text)) {
      value = text === '' ? null : (parse(text, yaml11) as unknown);
      memo.set(text, value);
    }
    return typeof value === 'object' && value !== null ? structuredClone(value) : value;
  };
}
