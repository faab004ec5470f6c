/**
 * A CRI gRPC server on a unix socket whose RPCs are plain functions, for tests
 * of anything that talks CRI (DESIGN.md: fakes only at the process edge). An RPC
 * without a handler answers UNIMPLEMENTED; a handler that throws a `FakeCriFault`
 * answers with that gRPC status; any other throw answers UNKNOWN.
 */
import * as grpc from '@grpc/grpc-js';
import { criPackage, criPackageDefinition } from '../definitions.js';

export type FakeCriHandler = (req: any) => unknown;

/** Handlers keyed by RPC name (`Version`, `ListImages`, ...), for either service. */
export type FakeCriHandlers = Record<string, FakeCriHandler>;

export class FakeCriFault extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeCriServer {
  socketPath: string;
  /** Every request received, in order, as `[rpc, request]`. */
  calls: [string, unknown][];
  close(): Promise<void>;
}

export async function startFakeCriServer(socketPath: string, handlers: FakeCriHandlers): Promise<FakeCriServer> {
  const def = criPackageDefinition();
  const server = new grpc.Server();
  const calls: [string, unknown][] = [];
  for (const svc of ['RuntimeService', 'ImageService']) {
    const service = def[`${criPackage}.${svc}`] as grpc.ServiceDefinition;
    const impl: grpc.UntypedServiceImplementation = {};
    for (const rpc of Object.keys(service)) {
      impl[rpc] = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        calls.push([rpc, call.request]);
        const handler = handlers[rpc];
        if (!handler) {
          cb({ code: grpc.status.UNIMPLEMENTED, details: `unknown method ${rpc}` });
          return;
        }
        Promise.resolve()
          .then(() => handler(call.request))
          .then(
            (res) => cb(null, res ?? {}),
            (err: unknown) => {
              const code = err instanceof FakeCriFault ? err.code : grpc.status.UNKNOWN;
              cb({ code, details: err instanceof Error ? err.message : String(err) });
            },
          );
      };
    }
    server.addService(service, impl);
  }
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return {
    socketPath,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Calls still in flight (e.g. a test's deliberately slow handler) must not hold the shutdown.
        setTimeout(() => server.forceShutdown(), 200).unref();
      }),
  };
}
