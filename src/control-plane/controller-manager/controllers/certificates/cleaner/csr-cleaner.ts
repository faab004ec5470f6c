import { X509Certificate } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { isConflict, isNotFound } from '../../../../../api/errors/status-error.js';
import { tryParseTime } from '../../../../../api/values/time.js';
import { RateLimitingQueue, ResourceClient, runController } from '../../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../../types.js';
import { csrGVR, type Csr } from '../csr-helpers.js';

/**
 * csrcleaner (upstream `controller/certificates/cleaner/cleaner.go`):
 * garbage-collects CertificateSigningRequests that are
 * - approved and issued, 1 hour after the Approved condition's lastUpdateTime;
 * - denied or failed, 1 hour after that condition's lastUpdateTime;
 * - pending (no conditions at all), 24 hours after creation;
 * - approved and issued with a certificate that has expired.
 * Upstream sweeps every hour; here each CSR is looked at again exactly when
 * its first deadline passes, which deletes the same objects, sooner.
 */
export const approvedExpirationMs = 3600_000;
export const deniedExpirationMs = 3600_000;
export const pendingExpirationMs = 24 * 3600_000;

/** When `csr` becomes garbage (ms since epoch), or undefined if it never does on its own. */
export function cleanupDeadline(csr: CertificateSigningRequest): number | undefined {
  const conditions = csr.status?.conditions ?? [];
  const deadlines: number[] = [];
  const at = (t: string | undefined) => (t ? tryParseTime(t) : undefined);
  const issued = !!csr.status?.certificate;
  if (conditions.length === 0) {
    const created = at(csr.metadata?.creationTimestamp);
    if (created !== undefined) deadlines.push(created + pendingExpirationMs);
  }
  for (const c of conditions) {
    const updated = at(c.lastUpdateTime);
    if (c.type === 'Approved' && issued) {
      if (updated !== undefined) deadlines.push(updated + approvedExpirationMs);
      const notAfter = certificateNotAfter(csr.status!.certificate!);
      if (notAfter !== undefined) deadlines.push(notAfter);
    }
    if ((c.type === 'Denied' || c.type === 'Failed') && updated !== undefined)
      deadlines.push(updated + deniedExpirationMs);
  }
  return deadlines.length ? Math.min(...deadlines) : undefined;
}

function certificateNotAfter(b64: string): number | undefined {
  try {
    return Date.parse(new X509Certificate(Buffer.from(b64, 'base64')).validTo);
  } catch {
    return undefined;
  }
}

export async function runCsrCleaner(ctx: ControllerContext): Promise<void> {
  const queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'csrcleaner' });
  const inf = ctx.informers.forResource<Csr>(csrGVR);
  const enqueue = (c: Csr) => c.metadata?.name && queue.add(c.metadata.name);
  inf.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
  ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  const client = new ResourceClient<Csr>(ctx.rest, csrGVR);
  await runController({
    name: 'csrcleaner',
    queue,
    workers: 1,
    signal: ctx.signal,
    log: ctx.log,
    clock: ctx.clock,
    async reconcile(name) {
      const csr = inf.lister().get('', name);
      if (!csr) return;
      const deadline = cleanupDeadline(csr);
      if (deadline === undefined) return;
      const now = ctx.clock.now();
      // Upstream's isOlderThan is strict: exactly at the deadline is not yet past it.
      if (now <= deadline) return { requeueAfter: deadline - now + 1 };
      ctx.log.info('cleaning up certificate signing request', { csr: name });
      try {
        await client.delete(name, { preconditions: csr.metadata?.uid ? { uid: csr.metadata.uid } : undefined });
      } catch (err) {
        // Gone already, or replaced by a new request of the same name (its own deadline applies).
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    },
  });
}

export const csrCleanerController: ControllerDescriptor = {
  name: 'csrcleaner',
  serviceAccount: 'certificate-controller',
  enabledByDefault: true,
  start: (ctx) => runCsrCleaner(ctx),
};
