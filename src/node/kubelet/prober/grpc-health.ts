/**
 * The gRPC probe (pkg/probe/grpc): one `grpc.health.v1.Health/Check` call over
 * plaintext HTTP/2 to the container's port. The two messages are tiny, so they
 * are encoded by hand: the request has `service` (field 1, string), the
 * response `status` (field 1, enum: UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN).
 */
import { Client, credentials, Metadata, status as GrpcStatus } from '@grpc/grpc-js';

const servingStatus = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function encodeRequest(service: string): Buffer {
  const body = Buffer.from(service, 'utf8');
  if (body.length === 0) return Buffer.alloc(0);
  const len: number[] = [];
  let n = body.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), body]);
}

/** Reads field 1 (varint); absent means 0 (UNKNOWN), as proto3 omits defaults. */
function decodeResponse(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const tag = buf[i++]!;
    const field = tag >> 3;
    const wire = tag & 7;
    let v = 0;
    let shift = 0;
    if (wire === 0) {
      for (;;) {
        const b = buf[i++]!;
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (!(b & 0x80)) break;
      }
      if (field === 1) return v;
    } else if (wire === 2) {
      for (;;) {
        const b = buf[i++]!;
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (!(b & 0x80)) break;
      }
      i += v;
    } else {
      break;
    }
  }
  return 0;
}

export interface ProbeOutcome {
  result: 'success' | 'failure';
  output: string;
}

export function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const client = new Client(addr, credentials.createInsecure(), {
    'grpc.primary_user_agent': 'kube-probe/1.32',
    'grpc.enable_retries': 0,
  });
  const deadline = Date.now() + timeoutMs;
  return new Promise<ProbeOutcome>((resolve) => {
    client.waitForReady(deadline, (connectErr) => {
      if (connectErr) {
        resolve({
          result: 'failure',
          output: `timeout: failed to connect service "${addr}" within ${timeoutMs / 1000}s: ${connectErr.message}`,
        });
        return;
      }
      client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        encodeRequest,
        decodeResponse,
        service,
        new Metadata(),
        { deadline },
        (err, value) => {
          if (err) {
            if (err.code === GrpcStatus.UNIMPLEMENTED) {
              resolve({
                result: 'failure',
                output: `this server does not implement the grpc health protocol (grpc.health.v1.Health): ${err.details}`,
              });
            } else if (err.code === GrpcStatus.DEADLINE_EXCEEDED) {
              resolve({
                result: 'failure',
                output: `timeout: health rpc did not complete within ${timeoutMs / 1000}s`,
              });
            } else {
              resolve({ result: 'failure', output: `error: health rpc probe failed: ${err.message}` });
            }
            return;
          }
          const st = value ?? 0;
          if (st !== 1) {
            resolve({ result: 'failure', output: `service unhealthy (responded with "${servingStatus[st] ?? st}")` });
          } else {
            resolve({ result: 'success', output: 'service is serving' });
          }
        },
      );
    });
  }).finally(() => client.close());
}
