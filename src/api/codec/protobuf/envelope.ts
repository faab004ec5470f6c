import { badRequest, StatusError } from '../../errors/status-error.js';
import { decodeInto, type DecodeContext, type JsonObject } from './decode-message.js';
import { encodeMessage } from './encode-message.js';
import { messageForKind, schema } from './kinds.js';
import { ProtoReader, ProtoWriter, WireType } from './wire.js';

/**
 * The `application/vnd.kubernetes.protobuf` body: the magic `k8s\0` followed by
 * a runtime.Unknown message {1 typeMeta {1 apiVersion, 2 kind}, 2 raw (the
 * object message), 3 contentEncoding, 4 contentType}
 * (apimachinery `runtime/serializer/protobuf`). Decoding yields the object in
 * the JSON shape a JSON request for it would have, with apiVersion and kind.
 */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface DecodedProtobuf {
  apiVersion: string;
  kind: string;
  object: JsonObject;
}

export interface TypeDefaults {
  apiVersion?: string;
  kind?: string;
}

/** Upstream's scheme name appears in "not registered" errors; kept for fidelity. */
const SCHEME = 'pkg/api/legacyscheme/scheme.go:30';

const typeMetaString = (apiVersion: string, kind: string) =>
  `runtime.TypeMeta{APIVersion:${JSON.stringify(apiVersion)}, Kind:${JSON.stringify(kind)}}`;

interface Unknown {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

function readUnknown(bytes: Uint8Array): Unknown {
  const r = new ProtoReader(bytes, PROTOBUF_MAGIC.length);
  const u: Unknown = { apiVersion: '', kind: '', raw: new Uint8Array(0) };
  while (!r.done) {
    const [num, wt] = r.tag();
    if (num === 1 && wt === WireType.Bytes) {
      const [start, end] = r.span();
      const tm = new ProtoReader(bytes, start, end);
      while (!tm.done) {
        const [n, w] = tm.tag();
        if (n === 1 && w === WireType.Bytes) u.apiVersion = tm.string();
        else if (n === 2 && w === WireType.Bytes) u.kind = tm.string();
        else tm.skip(w);
      }
    } else if (num === 2 && wt === WireType.Bytes) u.raw = r.bytes();
    else if (num === 0) throw badRequest(`proto: Unknown: illegal tag 0 (wire type ${wt})`);
    else r.skip(wt); // contentEncoding/contentType: upstream ignores them too
  }
  return u;
}

function decodeAt(bytes: Uint8Array, defaults: TypeDefaults, depth: number): DecodedProtobuf {
  if (bytes.length === 0) throw badRequest('empty data');
  if (bytes.length < PROTOBUF_MAGIC.length || PROTOBUF_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw badRequest(
      `provided data does not appear to be a protobuf message, expected prefix [${PROTOBUF_MAGIC.join(' ')}]`,
    );
  }
  if (bytes.length === PROTOBUF_MAGIC.length) throw badRequest('empty body');
  const u = readUnknown(bytes);
  // copyKindDefaults: the endpoint's kind/version fill what the body leaves out.
  const kind = u.kind || defaults.kind || '';
  const apiVersion = u.apiVersion || defaults.apiVersion || '';
  if (!kind) throw badRequest(`Object 'Kind' is missing in '${typeMetaString(u.apiVersion, u.kind)}'`);
  if (!apiVersion) throw badRequest(`Object 'apiVersion' is missing in '${typeMetaString(u.apiVersion, u.kind)}'`);
  const message = messageForKind(apiVersion, kind);
  if (!message) {
    throw badRequest(
      `no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)} in scheme ${JSON.stringify(SCHEME)}`,
    );
  }
  const ctx: DecodeContext = {
    schema,
    decodeEmbedded: (nested) => {
      const d = decodeAt(nested, {}, depth + 1);
      return d.object;
    },
  };
  if (depth > 8) throw badRequest('proto: exceeded maximum recursion depth');
  const body: JsonObject = {};
  decodeInto(new ProtoReader(u.raw), schema.get(message), body, ctx, depth);
  return { apiVersion, kind, object: { apiVersion, kind, ...body } };
}

/**
 * Decodes a protobuf request body. Every failure — bad magic, truncation, an
 * unknown kind (named in the message) — is a StatusError BadRequest carrying
 * upstream's decoder text; the HTTP layer adds the "cannot be handled as" prefix.
 */
export function decodeProtobuf(bytes: Uint8Array, defaults: TypeDefaults = {}): DecodedProtobuf {
  try {
    return decodeAt(bytes, defaults, 0);
  } catch (e) {
    if (e instanceof StatusError) throw e;
    // Defence in depth: nothing else should escape a decoder (see the fuzz test).
    throw badRequest(`proto: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Whether encodeProtobuf/decodeProtobuf know this apiVersion/kind. */
export function supportsProtobuf(apiVersion: string, kind: string): boolean {
  return messageForKind(apiVersion, kind) !== undefined;
}

/**
 * Encodes an object (JSON shape, with apiVersion and kind) as a protobuf
 * envelope, writing runtime.Unknown's four fields as Go does.
 */
export function encodeProtobuf(obj: object): Uint8Array {
  const o = obj as JsonObject;
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const kind = typeof o.kind === 'string' ? o.kind : '';
  const message = messageForKind(apiVersion, kind);
  if (!message) {
    throw badRequest(
      `no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)} in scheme ${JSON.stringify(SCHEME)}`,
    );
  }
  const raw = encodeMessage(schema.get(message), o, '', schema);
  const typeMeta = new ProtoWriter()
    .tag(1, WireType.Bytes)
    .string(apiVersion)
    .tag(2, WireType.Bytes)
    .string(kind)
    .finish();
  return new ProtoWriter()
    .raw(PROTOBUF_MAGIC)
    .tag(1, WireType.Bytes)
    .bytes(typeMeta)
    .tag(2, WireType.Bytes)
    .bytes(raw)
    .tag(3, WireType.Bytes)
    .string('')
    .tag(4, WireType.Bytes)
    .string('')
    .finish();
}
