import { badRequest, type StatusError } from '../errors/status-error.js';
import { scanJSON } from './json-scanner.js';

/**
 * JSON bodies, decoded the way kube-apiserver's JSON serializer reports them
 * (apimachinery `runtime/serializer/json` + `endpoints/handlers` transformDecodeError),
 * and encoded the way Go's json.Encoder writes them.
 */

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

export function toBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === 'string' ? encoder.encode(input) : input;
}

/**
 * upstream summarizeData: up to `max` bytes of the body for error messages, as
 * text when it looks like a JSON object, as hex otherwise.
 */
export function summarizeData(data: Uint8Array, max = 30): string {
  if (data.length === 0) return '<empty>';
  const more = data.length > max ? ' ...' : '';
  const head = data.subarray(0, max);
  return data[0] === 0x7b ? utf8.decode(head) + more : Buffer.from(head).toString('hex') + more;
}

/**
 * The error for a body that cannot even yield a kind: with `what` (the kind the
 * endpoint expects) it reads like upstream's
 * `the object provided is unrecognized (must be of type Deployment): <cause> (<summary>)`.
 */
export function unrecognizedBody(what: string, cause: string, data: Uint8Array): StatusError {
  if (!what) return badRequest(cause);
  return badRequest(`the object provided is unrecognized (must be of type ${what}): ${cause} (${summarizeData(data)})`);
}

/**
 * Parses any JSON document. Malformed input throws BadRequest with Go's syntax
 * error text: bare when `what` is empty (patch bodies, where upstream shows the
 * parser's error as is), else wrapped as an object that could not be decoded
 * into `what` (`couldn't get version/kind; json parse error: ...`).
 */
export function decodeJSON(input: Uint8Array | string, what: string): unknown {
  const bytes = toBytes(input);
  return parseChecked(bytes, (error) =>
    what ? unrecognizedBody(what, `couldn't get version/kind; json parse error: ${error}`, bytes) : badRequest(error),
  );
}

/**
 * A body this small cannot nest deeper than Go's 10000 levels, so when the
 * native parser accepts it the Go scanner would too (validity is the same —
 * see the property test); the scanner then only runs to word an error, or on
 * large bodies to enforce the depth limit.
 */
const FAST_PATH_MAX = 20000;

function parseChecked(bytes: Uint8Array, fail: (goError: string) => StatusError): unknown {
  const text = utf8.decode(bytes);
  if (bytes.length <= FAST_PATH_MAX) {
    try {
      return JSON.parse(text);
    } catch {
      // fall through to the scanner for Go's wording
    }
  }
  const { error } = scanJSON(bytes, false);
  if (error !== undefined) throw fail(error);
  return JSON.parse(text);
}

const typeMetaStruct =
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

const goKind = (v: unknown): string =>
  Array.isArray(v)
    ? 'array'
    : v === null
      ? 'null'
      : typeof v === 'boolean'
        ? 'bool'
        : typeof v === 'object'
          ? 'object'
          : typeof v;

export interface DecodeObjectOptions {
  /** Fail with upstream's `Object 'Kind' is missing in '<body>'` when kind is absent (unstructured decoding). */
  requireKind?: boolean;
}

/**
 * Parses a JSON body that must be an object with string `apiVersion`/`kind`
 * (both optional unless `requireKind`), reporting failures as upstream does while
 * it reads the type meta.
 */
export function decodeJSONObject(
  input: Uint8Array | string,
  what: string,
  options: DecodeObjectOptions = {},
): Record<string, unknown> {
  const bytes = toBytes(input);
  const value = parseChecked(bytes, (error) =>
    unrecognizedBody(what, `couldn't get version/kind; json parse error: ${error}`, bytes),
  );
  return checkTypeMeta(value, what, bytes, options);
}

/**
 * The checks upstream's type-meta sniffing makes on a decoded body (JSON, or
 * YAML already converted to JSON): an object (null counts as empty) whose
 * apiVersion/kind, when present, are strings. `data` is the raw body, for the
 * error summary.
 */
export function checkTypeMeta(
  value: unknown,
  what: string,
  data: Uint8Array,
  options: DecodeObjectOptions = {},
): Record<string, unknown> {
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
    const cause = `json: cannot unmarshal ${goKind(value)} into Go value of type ${typeMetaStruct}`;
    throw unrecognizedBody(what, `couldn't get version/kind; json parse error: ${cause}`, data);
  }
  const obj = (value ?? {}) as Record<string, unknown>;
  for (const field of ['apiVersion', 'kind']) {
    const v = obj[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      const cause = `json: cannot unmarshal ${goKind(v)} into Go struct field .${field} of type string`;
      throw unrecognizedBody(what, `couldn't get version/kind; json parse error: ${cause}`, data);
    }
  }
  if (options.requireKind && !obj.kind) throw badRequest(`Object 'Kind' is missing in '${utf8.decode(data)}'`);
  return obj;
}

/**
 * Field paths of object keys that occur more than once, in document order, for
 * strict field validation (`duplicate field "spec.replicas"`). Invalid JSON yields
 * the duplicates found before the error.
 */
export function findDuplicateKeys(text: Uint8Array | string): string[] {
  return scanJSON(toBytes(text), true).duplicates;
}

const htmlUnsafe = /[<>&\u2028\u2029]/g;
const htmlEscapes: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * Serialises like Go's json.Encoder (what the apiserver writes): `<`, `>`, `&`,
 * U+2028 and U+2029 escaped, and a trailing newline. Undefined fields are
 * dropped, as JSON.stringify does.
 */
export function encodeJSON(obj: unknown): Buffer {
  let s = JSON.stringify(obj) ?? 'null';
  if (/[<>&\u2028\u2029]/.test(s)) s = s.replace(htmlUnsafe, (c) => htmlEscapes[c]);
  return Buffer.from(`${s}\n`, 'utf8');
}
