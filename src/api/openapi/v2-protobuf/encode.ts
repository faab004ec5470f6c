/**
 * Swagger 2.0 JSON -> gnostic `openapi.v2.Document` protobuf: the body kubectl
 * expects from `GET /openapi/v2` with
 * `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
 * (client-go proto-unmarshals it; kube-openapi's `proto.NewOpenAPIData` then
 * walks the definitions, reading `x-kubernetes-*` extensions back from YAML).
 *
 * The output is what gnostic's parser plus Go's proto.Marshal would produce for
 * the same JSON: fields in field-number order, map entries and vendor
 * extensions in document order, proto3 zero scalars omitted, and a message
 * field written (possibly empty) whenever its key is present, because
 * presence matters to readers (`properties: {}` marks an object kind).
 * Keys the Swagger 2.0 grammar does not know (and that are not `x-*`) are
 * dropped rather than failing the whole document. Pure.
 */
import type { SwaggerDocument } from '../build-v2.js';
import { ProtoWriter, WireType } from '../../codec/protobuf/wire.js';
import { type FieldType, type MessageDesc, type MessageName, messages } from './messages.js';
import { yamlTextWriter } from './yaml-any.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Encodes a Swagger 2.0 document (as built by `buildOpenApiV2`) as a gnostic Document message. */
export function encodeOpenApiV2Protobuf(doc: SwaggerDocument | Json): Uint8Array {
  return new Encoder().message('Document', doc);
}

/** Encodes one gnostic message from its Swagger JSON form (tests build single messages with it). */
export function encodeGnosticMessage(name: MessageName, value: unknown): Uint8Array {
  return new Encoder().message(name, value);
}

class Encoder {
  private yaml = yamlTextWriter();

  message(name: MessageName, value: unknown): Uint8Array {
    const w = new ProtoWriter();
    this.write(w, messages[name], value);
    return w.finish();
  }

  private write(w: ProtoWriter, desc: MessageDesc, value: unknown): void {
    switch (desc.kind) {
      case 'struct':
        if (!isObject(value)) return;
        for (const [key, no, type] of desc.fields) {
          if (Object.hasOwn(value, key)) this.field(w, no, type, value[key]);
        }
        if (desc.extensions !== undefined) this.extensions(w, desc.extensions, value);
        return;
      case 'map':
        if (!isObject(value)) return;
        // Go writes fields in number order: whichever of entries/extensions is lower goes first.
        if (desc.extensions !== undefined && desc.extensions < desc.entries) this.extensions(w, desc.extensions, value);
        for (const [key, v] of Object.entries(value)) {
          if (desc.extensions !== undefined && key.startsWith('x-')) continue;
          const entry = new ProtoWriter().tag(1, WireType.Bytes).string(key);
          if (desc.value === 'string') {
            if (typeof v === 'string' && v !== '') entry.tag(2, WireType.Bytes).string(v);
          } else if (desc.value === 'any') entry.tag(2, WireType.Bytes).bytes(this.any(v));
          else entry.tag(2, WireType.Bytes).bytes(this.message(desc.value, v));
          w.tag(desc.entries, WireType.Bytes).bytes(entry.finish());
        }
        if (desc.extensions !== undefined && desc.extensions > desc.entries) this.extensions(w, desc.extensions, value);
        return;
      case 'list': {
        const items = Array.isArray(value) ? value : desc.single && value !== undefined ? [value] : [];
        for (const item of items) {
          if (desc.item === 'string') {
            if (typeof item === 'string') w.tag(1, WireType.Bytes).string(item);
          } else w.tag(1, WireType.Bytes).bytes(this.message(desc.item, item));
        }
        return;
      }
      case 'oneof': {
        const no = desc.choose(value);
        if (no === undefined) return;
        const choice = desc.choices[no];
        // A oneof member is written even when it holds a zero value (`additionalProperties: false`).
        if (choice === 'bool') w.tag(no, WireType.Varint).bool(value === true);
        else w.tag(no, WireType.Bytes).bytes(this.message(choice, value));
        return;
      }
    }
  }

  private field(w: ProtoWriter, no: number, type: FieldType, v: unknown): void {
    switch (type) {
      case 'string':
        if (typeof v === 'string' && v !== '') w.tag(no, WireType.Bytes).string(v);
        return;
      case 'bool':
        if (v === true) w.tag(no, WireType.Varint).bool(true);
        return;
      case 'double':
        if (typeof v === 'number' && v !== 0) w.tag(no, WireType.Fixed64).double(v);
        return;
      case 'int64':
        if (typeof v === 'number' && Number.isSafeInteger(v) && v !== 0) w.tag(no, WireType.Varint).int64(v);
        return;
      case 'strings':
        if (Array.isArray(v)) for (const s of v) if (typeof s === 'string') w.tag(no, WireType.Bytes).string(s);
        return;
      case 'any':
        w.tag(no, WireType.Bytes).bytes(this.any(v));
        return;
      case 'anys':
        if (Array.isArray(v)) for (const item of v) w.tag(no, WireType.Bytes).bytes(this.any(item));
        return;
      default:
        if (type.repeated) {
          if (Array.isArray(v)) for (const item of v) w.tag(no, WireType.Bytes).bytes(this.message(type.message, item));
        } else if (v !== undefined && v !== null) w.tag(no, WireType.Bytes).bytes(this.message(type.message, v));
    }
  }

  /** Every `x-*` key of `obj`, in document order, as repeated NamedAny {1 name, 2 Any{2 yaml}}. */
  private extensions(w: ProtoWriter, no: number, obj: Json): void {
    for (const [key, v] of Object.entries(obj)) {
      if (!key.startsWith('x-')) continue;
      const named = new ProtoWriter().tag(1, WireType.Bytes).string(key).tag(2, WireType.Bytes).bytes(this.any(v));
      w.tag(no, WireType.Bytes).bytes(named.finish());
    }
  }

  private any(v: unknown): Uint8Array {
    return new ProtoWriter().tag(2, WireType.Bytes).string(this.yaml(v)).finish();
  }
}
