/**
 * The CRI `runtime.v1` schema, loaded once from the embedded proto fragments into
 * a gRPC package definition. Decoding options fix the shapes types.ts declares:
 * enums as names, 64-bit integers as numbers (exact below 2^53; nanosecond
 * timestamps keep ~0.25 µs precision, far below what pod status shows), defaults
 * filled in.
 */
import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';
import { parseProto, type ProtoNamespace } from './proto-parser.js';
import { servicesProto } from './proto/services.js';
import { sandboxProto } from './proto/sandbox.js';
import { containerProto } from './proto/container.js';
import { imageStatsProto } from './proto/image-stats.js';

/** The fully qualified package of every CRI message and service. */
export const criPackage = 'runtime.v1';

export const loaderOptions: protoLoader.Options = {
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The schema as a protobufjs JSON namespace (all four fragments merged). */
export function criSchema(): ProtoNamespace {
  const root: ProtoNamespace = {};
  for (const fragment of [servicesProto, sandboxProto, containerProto, imageStatsProto]) parseProto(fragment, root);
  return root;
}

let cached: protoLoader.PackageDefinition | undefined;

/** The package definition; resolving every type reference happens here, so a bad schema fails loudly and once. */
export function criPackageDefinition(): protoLoader.PackageDefinition {
  cached ??= protoLoader.fromJSON(criSchema() as Parameters<typeof protoLoader.fromJSON>[0], loaderOptions);
  return cached;
}

export interface CriServiceConstructors {
  RuntimeService: grpc.ServiceClientConstructor;
  ImageService: grpc.ServiceClientConstructor;
}

/** Client constructors for RuntimeService and ImageService. */
export function criServiceConstructors(): CriServiceConstructors {
  const loaded = grpc.loadPackageDefinition(criPackageDefinition()) as unknown as {
    runtime: { v1: CriServiceConstructors };
  };
  return loaded.runtime.v1;
}

/** Encodes `value` as the message `type` (e.g. `VersionResponse`); for tests and fakes. */
export function encodeCriMessage(type: string, value: object): Buffer {
  const service = findMethodUsing(type, 'response') ?? findMethodUsing(type, 'request');
  if (!service) throw new Error(`CRI message ${type} is not a request or response of any method`);
  return service.side === 'response' ? service.method.responseSerialize(value) : service.method.requestSerialize(value);
}

/** Decodes bytes of message `type` with the loader's options; for tests and fakes. */
export function decodeCriMessage<T = unknown>(type: string, bytes: Buffer): T {
  const service = findMethodUsing(type, 'response') ?? findMethodUsing(type, 'request');
  if (!service) throw new Error(`CRI message ${type} is not a request or response of any method`);
  return (
    service.side === 'response' ? service.method.responseDeserialize(bytes) : service.method.requestDeserialize(bytes)
  ) as T;
}

function findMethodUsing(
  type: string,
  side: 'request' | 'response',
): { method: protoLoader.MethodDefinition<object, object>; side: 'request' | 'response' } | undefined {
  const def = criPackageDefinition();
  for (const svc of ['RuntimeService', 'ImageService']) {
    const service = def[`${criPackage}.${svc}`] as protoLoader.ServiceDefinition;
    for (const m of Object.values(service)) {
      const name = side === 'request' ? m.requestType : m.responseType;
      const full = (name.type as { name?: string }).name;
      if (full === type) return { method: m as protoLoader.MethodDefinition<object, object>, side };
    }
  }
  return undefined;
}
