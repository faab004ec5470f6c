/**
 * gnostic `openapi.v2.Document` protobuf -> Swagger 2.0 JSON, the inverse of
 * `encodeOpenApiV2Protobuf` over the same message tables. It reads what the
 * encoder (or gnostic) writes: unknown fields are skipped, a lone TypeItem /
 * ItemsItem value comes back as a scalar / object (as gnostic renders it), and
 * `Any.yaml` text is parsed back into JSON values. Malformed input throws a
 * StatusError BadRequest with Go protobuf's messages. Pure.
 */
import type { SwaggerDocument } from '../build-v2.js';
import { badRequest } from '../../errors/status-error.js';
import { ProtoReader, WireType } from '../../codec/protobuf/wire.js';
import { type Field, type FieldType, type MessageDesc, type MessageName, messages } from './messages.js';
import { yamlTextReader } from './yaml-any.js';

type Json = Record<string, unknown>;

/** Decodes a gnostic Document message (an empty body is an empty document). */
export function decodeOpenApiV2Protobuf(bytes: Uint8Array): SwaggerDocument {
  return new Decoder().message('Document', new ProtoReader(bytes)) as unknown as SwaggerDocument;
}

/** Decodes one gnostic message into its Swagger JSON form. */
export function decodeGnosticMessage(name: MessageName, bytes: Uint8Array): unknown {
  return new Decoder().message(name, new ProtoReader(bytes));
}

const wrongWireType = (wt: number, message: string, no: number) =>
  badRequest(`proto: wrong wireType = ${wt} for field ${message}.${no}`);

class Decoder {
  private yaml = yamlTextReader();

  /** Decodes the message spanning the rest of `r` (r.pos..r.end). */
  message(name: MessageName, r: ProtoReader): unknown {
    const desc = messages[name];
    switch (desc.kind) {
      case 'struct':
        return this.struct(name, desc, r);
      case 'map':
        return this.map(name, desc, r);
      case 'list': {
        const items: unknown[] = [];
        while (!r.done) {
          const [no, wt] = r.tag();
          if (no !== 1) r.skip(wt);
          else if (wt !== WireType.Bytes) throw wrongWireType(wt, name, no);
          else items.push(desc.item === 'string' ? r.string() : this.message(desc.item, this.sub(r)));
        }
        return desc.single && items.length === 1 ? items[0] : items;
      }
      case 'oneof': {
        let value: unknown = undefined;
        while (!r.done) {
          const [no, wt] = r.tag();
          const choice = desc.choices[no];
          if (choice === undefined) r.skip(wt);
          else if (choice === 'bool') {
            if (wt !== WireType.Varint) throw wrongWireType(wt, name, no);
            value = r.bool();
          } else {
            if (wt !== WireType.Bytes) throw wrongWireType(wt, name, no);
            value = this.message(choice, this.sub(r));
          }
        }
        return value ?? {};
      }
    }
  }

  private struct(name: MessageName, desc: Extract<MessageDesc, { kind: 'struct' }>, r: ProtoReader): Json {
    const out: Json = {};
    while (!r.done) {
      const [no, wt] = r.tag();
      if (no === desc.extensions) {
        if (wt !== WireType.Bytes) throw wrongWireType(wt, name, no);
        this.extension(out, this.sub(r));
        continue;
      }
      const field = fieldsByNumber(desc).get(no);
      if (!field) {
        r.skip(wt);
        continue;
      }
      const [key, , type] = field;
      if (wt !== expectedWireType(type)) throw wrongWireType(wt, name, no);
      const v = this.value(type, r);
      if (isRepeated(type)) ((out[key] as unknown[] | undefined) ?? (out[key] = [])).push(v as never);
      else out[key] = v;
    }
    return out;
  }

  private map(name: MessageName, desc: Extract<MessageDesc, { kind: 'map' }>, r: ProtoReader): Json {
    const out: Json = {};
    while (!r.done) {
      const [no, wt] = r.tag();
      if (no !== desc.entries && no !== desc.extensions) {
        r.skip(wt);
        continue;
      }
      if (wt !== WireType.Bytes) throw wrongWireType(wt, name, no);
      const entry = this.sub(r);
      if (no === desc.extensions) {
        this.extension(out, entry);
        continue;
      }
      let key = '';
      let value: unknown = desc.value === 'string' ? '' : desc.value === 'any' ? null : {};
      while (!entry.done) {
        const [eno, ewt] = entry.tag();
        if (eno === 1 && ewt === WireType.Bytes) key = entry.string();
        else if (eno === 2 && ewt === WireType.Bytes) {
          if (desc.value === 'string') value = entry.string();
          else if (desc.value === 'any') value = this.any(this.sub(entry));
          else value = this.message(desc.value, this.sub(entry));
        } else entry.skip(ewt);
      }
      out[key] = value;
    }
    return out;
  }

  private value(type: FieldType, r: ProtoReader): unknown {
    switch (type) {
      case 'string':
      case 'strings':
        return r.string();
      case 'bool':
        return r.bool();
      case 'double':
        return r.double();
      case 'int64':
        return r.int64();
      case 'any':
      case 'anys':
        return this.any(this.sub(r));
      default:
        return this.message(type.message, this.sub(r));
    }
  }

  /** A NamedAny {1 name, 2 Any} merged into `out` as `name: value`. */
  private extension(out: Json, r: ProtoReader): void {
    let key = '';
    let value: unknown = null;
    while (!r.done) {
      const [no, wt] = r.tag();
      if (no === 1 && wt === WireType.Bytes) key = r.string();
      else if (no === 2 && wt === WireType.Bytes) value = this.any(this.sub(r));
      else r.skip(wt);
    }
    if (key !== '') out[key] = value;
  }

  /** An Any message: the value is the YAML text in field 2 (field 1, a protobuf Any, is unused). */
  private any(r: ProtoReader): unknown {
    let text = '';
    while (!r.done) {
      const [no, wt] = r.tag();
      if (no === 2 && wt === WireType.Bytes) text = r.string();
      else r.skip(wt);
    }
    try {
      return this.yaml(text);
    } catch (err) {
      throw badRequest(`openapi.v2.Any: invalid yaml: ${(err as Error).message}`);
    }
  }

  /** A reader over the length-delimited payload at r.pos (r moves past it). */
  private sub(r: ProtoReader): ProtoReader {
    const [start, end] = r.span();
    return new ProtoReader(r.buf, start, end);
  }
}

const byNumber = new WeakMap<MessageDesc, Map<number, Field>>();

function fieldsByNumber(desc: Extract<MessageDesc, { kind: 'struct' }>): Map<number, Field> {
  let index = byNumber.get(desc);
  if (!index) {
    index = new Map(desc.fields.map((f) => [f[1], f]));
    byNumber.set(desc, index);
  }
  return index;
}

function isRepeated(type: FieldType): boolean {
  return type === 'strings' || type === 'anys' || (typeof type === 'object' && type.repeated === true);
}

function expectedWireType(type: FieldType): WireType {
  switch (type) {
    case 'bool':
    case 'int64':
      return WireType.Varint;
    case 'double':
      return WireType.Fixed64;
    default:
      return WireType.Bytes;
  }
}
