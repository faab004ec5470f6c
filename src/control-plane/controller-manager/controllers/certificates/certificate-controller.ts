import { RateLimitingQueue, runController, type Result } from '../../../../client/index.js';
import type { ControllerContext } from '../../types.js';
import { csrGVR, IgnorableError, type Csr } from './csr-helpers.js';

/**
 * The loop every CSR controller shares (upstream
 * `controller/certificates/certificate_controller.go`): every add, update and
 * delete of a CertificateSigningRequest enqueues its name; a worker hands a
 * private copy of the cached object to `handle`, unless it already carries a
 * certificate. A thrown IgnorableError is
 * retried with backoff without an error log; anything else is retried and
 * logged.
 */
export type CsrHandler = (csr: Csr, signal: AbortSignal) => Promise<Result | void>;

export async function runCertificateController(
  ctx: ControllerContext,
  name: string,
  handle: CsrHandler,
): Promise<void> {
  const queue = new RateLimitingQueue<string>({ clock: ctx.clock, name });
  const inf = ctx.informers.forResource<Csr>(csrGVR);
  const enqueue = (o: unknown) => {
    const csr = ((o as { obj?: Csr }).obj ?? o) as Csr;
    const n = csr?.metadata?.name;
    if (n) queue.add(n);
  };
  inf.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
  ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  await runController({
    name,
    queue,
    workers: ctx.config.workers,
    signal: ctx.signal,
    log: ctx.log,
    clock: ctx.clock,
    async reconcile(key, signal) {
      const cached = inf.lister().get('', key);
      // Issued requests need nothing more from any handler.
      if (!cached || cached.status?.certificate) return;
      try {
        return await handle(structuredClone(cached), signal);
      } catch (err) {
        if (err instanceof IgnorableError) {
          ctx.log.debug('csr not ready', { csr: key, reason: err.message });
          return { requeue: true };
        }
        throw err;
      }
    },
  });
}
