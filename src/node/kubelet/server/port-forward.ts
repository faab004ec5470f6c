/**
 * Port-forward targets: a TCP connection from the node to the pod's IP on
 * the node's bridge (or to loopback for host-network pods). Failures are
 * worded as Go's dialer does, since kubectl prints them after
 * "error forwarding port N to pod ...".
 */
import { connect, type Socket } from 'node:net';
import type { PortConnector } from '../streaming/index.js';

export function podPortConnector(ipOf: () => string | undefined, timeoutMs = 10_000): PortConnector {
  return (port, signal) =>
    new Promise<Socket>((resolve, reject) => {
      const ip = ipOf();
      if (!ip) {
        reject(new Error('the pod has no IP address yet'));
        return;
      }
      const s = connect({ host: ip, port });
      const target = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
      const cleanup = () => {
        clearTimeout(timer);
        s.off('connect', onConnect);
        s.off('error', onError);
        signal.removeEventListener('abort', onAbort);
      };
      const onConnect = () => {
        cleanup();
        resolve(s);
      };
      const onError = (err: NodeJS.ErrnoException) => {
        cleanup();
        s.destroy();
        const why = err.code === 'ECONNREFUSED' ? 'connection refused' : err.message;
        reject(new Error(`dial tcp ${target}: connect: ${why}`));
      };
      const onAbort = () => {
        cleanup();
        s.destroy();
        reject(new Error('port-forward session closed'));
      };
      const timer = setTimeout(
        () => onError(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })),
        timeoutMs,
      );
      s.once('connect', onConnect);
      s.once('error', onError);
      signal.addEventListener('abort', onAbort, { once: true });
    });
}
