import { StatusError, unsupportedMediaType } from '../errors/status-error.js';
import { checkTypeMeta, decodeJSON, decodeJSONObject, unrecognizedBody } from './json.js';
import { decodeProtobuf, type TypeDefaults } from './protobuf/envelope.js';
import { decodeYAML, decodeYAMLObject } from './yaml.js';

/**
 * Content negotiation: Content-Type / Accept parsing (Go's mime.ParseMediaType
 * rules: type and parameter names lower-cased, values kept, quoted strings
 * allowed) and request-body decoding by media type.
 */
export const MediaTypes = {
  json: 'application/json',
  yaml: 'application/yaml',
  protobuf: 'application/vnd.kubernetes.protobuf',
  jsonPatch: 'application/json-patch+json',
  mergePatch: 'application/merge-patch+json',
  strategicMergePatch: 'application/strategic-merge-patch+json',
  applyPatchYAML: 'application/apply-patch+yaml',
} as const;

/** What create/update endpoints accept, in upstream's order (the first is the default). */
export const objectMediaTypes = [MediaTypes.json, MediaTypes.yaml, MediaTypes.protobuf];
/** What PATCH accepts, in the order upstream lists them in its 415 message. */
export const patchMediaTypes = [
  MediaTypes.jsonPatch,
  MediaTypes.mergePatch,
  MediaTypes.strategicMergePatch,
  MediaTypes.applyPatchYAML,
];

export interface MediaType {
  type: string;
  subtype: string;
  /** `type/subtype`, lower-cased. */
  essence: string;
  /** Parameters other than q; names lower-cased. */
  params: Record<string, string>;
  /** Quality from Accept (`q=`), 1 when absent. */
  q: number;
}

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function splitParams(s: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted && c === '\\' && i + 1 < s.length) cur += c + s[++i];
    else if (c === '"') {
      quoted = !quoted;
      cur += c;
    } else if (c === ';' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/** Parses one media type (`application/json;as=Table;v=v1;g=meta.k8s.io`); undefined if malformed. */
export function parseMediaType(value: string): MediaType | undefined {
  const [head, ...rest] = splitParams(value);
  const full = head.trim().toLowerCase();
  const slash = full.indexOf('/');
  if (slash <= 0 || slash === full.length - 1) return undefined;
  const type = full.slice(0, slash);
  const subtype = full.slice(slash + 1);
  if (!token.test(type) || !token.test(subtype)) return undefined;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let q = 1;
  for (const raw of rest) {
    const p = raw.trim();
    if (p === '') continue; // Go tolerates a trailing ';'
    const eq = p.indexOf('=');
    if (eq <= 0) return undefined;
    const name = p.slice(0, eq).trim().toLowerCase();
    let val = p.slice(eq + 1).trim();
    if (!token.test(name)) return undefined;
    if (val.startsWith('"')) {
      if (val.length < 2 || !val.endsWith('"')) return undefined;
      val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    } else if (!token.test(val)) return undefined;
    if (name === 'q') {
      const n = Number(val);
      if (Number.isFinite(n)) q = Math.min(1, Math.max(0, n));
      continue;
    }
    if (name in params) return undefined; // mime: duplicate parameter name
    params[name] = val;
  }
  return { type, subtype, essence: `${type}/${subtype}`, params: { ...params }, q };
}

/**
 * Parses an Accept header into media ranges, most preferred first: by q, then
 * concrete types before `type/*` before `*\/*` (ties keep header order). Ranges
 * with q=0 and malformed entries are dropped; a missing or empty header is `*\/*`.
 */
export function parseAccept(header: string | undefined): MediaType[] {
  if (!header || !header.trim()) return [parseMediaType('*/*')!];
  const ranges: MediaType[] = [];
  for (const part of header.split(',')) {
    const trimmed = part.trim();
    const m = parseMediaType(trimmed === '*' ? '*/*' : trimmed);
    if (m && m.q > 0) ranges.push(m);
  }
  const specificity = (m: MediaType) => (m.type === '*' ? 0 : m.subtype === '*' ? 1 : 2);
  return ranges
    .map((m, i) => ({ m, i }))
    .sort((a, b) => b.m.q - a.m.q || specificity(b.m) - specificity(a.m) || a.i - b.i)
    .map(({ m }) => m);
}

/** Whether a media range (possibly with wildcards) covers a concrete `type/subtype`. */
export function mediaRangeMatches(range: MediaType, essence: string): boolean {
  if (range.type === '*') return true;
  const [type, subtype] = essence.toLowerCase().split('/');
  return range.type === type && (range.subtype === '*' || range.subtype === subtype);
}

export interface DecodeBodyOptions {
  /** Media types this endpoint accepts (default: JSON, YAML, protobuf); listed in the 415 message. */
  supported?: readonly string[];
  /** The kind the endpoint expects, for upstream-style decode errors and protobuf kind defaults. */
  kind?: string;
  apiVersion?: string;
}

export interface DecodedBody {
  /** The media type the body was decoded as (`application/json`, ...). */
  mediaType: string;
  value: unknown;
}

/**
 * Decodes a request body by its Content-Type. A missing Content-Type means the
 * first supported type (upstream defaults to JSON); an unparseable or
 * unsupported one is 415 UnsupportedMediaType listing what is accepted.
 * Object types (JSON, YAML, protobuf) yield an object in JSON shape, checked
 * and reported as upstream's decoder does for `kind`; patch types yield the
 * patch document as parsed.
 */
export function decodeBody(
  bytes: Uint8Array,
  contentType: string | undefined,
  options: DecodeBodyOptions = {},
): DecodedBody {
  const supported = options.supported ?? objectMediaTypes;
  const mt = contentType?.trim() ? parseMediaType(contentType) : parseMediaType(supported[0]);
  if (!mt || !supported.includes(mt.essence)) throw unsupportedMediaType(contentType ?? '', [...supported]);
  const what = options.kind ?? '';
  switch (mt.essence) {
    case MediaTypes.json:
      return { mediaType: mt.essence, value: decodeJSONObject(bytes, what) };
    case MediaTypes.jsonPatch:
    case MediaTypes.mergePatch:
    case MediaTypes.strategicMergePatch:
      return { mediaType: mt.essence, value: decodeJSON(bytes, '') };
    case MediaTypes.yaml: {
      let value: unknown;
      try {
        value = decodeYAML(bytes);
      } catch (e) {
        throw e instanceof StatusError ? unrecognizedBody(what, e.message, bytes) : e;
      }
      return { mediaType: mt.essence, value: checkTypeMeta(value, what, bytes) };
    }
    case MediaTypes.applyPatchYAML:
      // Upstream's apply handler reports YAML errors bare (BadRequest(err.Error())).
      return { mediaType: mt.essence, value: decodeYAMLObject(bytes) };
    case MediaTypes.protobuf: {
      const defaults: TypeDefaults = { kind: options.kind, apiVersion: options.apiVersion };
      return { mediaType: mt.essence, value: decodeProtobuf(bytes, defaults).object };
    }
    default:
      throw unsupportedMediaType(contentType ?? '', [...supported]);
  }
}
