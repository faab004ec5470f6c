import { StatusError, internalError } from '../../../../api/errors/status-error.js';
import { selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import type { ServedResource, SubresourceHandler } from '../../registry/served-resource.js';
import type { DeleteOptions } from '../../registry/strategy.js';
import type { KubeObject } from '../../watch-cache/types.js';
import type { HandlerDeps } from '../context.js';

const success = {
  type: 'object' as const,
  status: 201,
  body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
};

interface PdbStatus {
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
}

/**
 * 429 for a budget refusal. Upstream asks for a 10 s wait only while the PDB is
 * still being processed; a spent budget carries 0 so kubectl applies its own
 * (printed) retry interval.
 */
function budgetError(message: string, cause: string, retryAfterSeconds = 0): StatusError {
  return new StatusError(429, 'TooManyRequests', message, {
    causes: [{ reason: 'DisruptionBudget', message: cause }],
    retryAfterSeconds,
  });
}

/**
 * `pods/eviction` (policy/v1 Eviction, what `kubectl drain` uses): deletes the pod
 * unless a PodDisruptionBudget covering it has no disruption left, in which case
 * the answer is 429 so the client retries (upstream `registry/core/pod/storage/eviction.go`).
 * Pods that are not running yet or already finished are evicted without a budget check.
 */
export function evictPod(
  pods: () => ServedResource,
  pdbs: () => ServedResource | undefined,
  deps: HandlerDeps,
): NonNullable<SubresourceHandler['create']> {
  return async (ctx, ns, name, body) => {
    const podRes = pods();
    const pod = await podRes.store.get(ns, name);
    const eviction = body as KubeObject & { deleteOptions?: Omit<DeleteOptions, 'dryRun'> & { dryRun?: string[] } };
    const opts: DeleteOptions = {
      gracePeriodSeconds: eviction.deleteOptions?.gracePeriodSeconds,
      preconditions: eviction.deleteOptions?.preconditions,
      dryRun: (eviction.deleteOptions?.dryRun ?? []).includes('All'),
    };
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    const pdbRes = pdbs();
    if (
      pdbRes &&
      phase !== 'Pending' &&
      phase !== 'Succeeded' &&
      phase !== 'Failed' &&
      !pod.metadata.deletionTimestamp
    ) {
      await pdbRes.store.deps.cache.start();
      const covering = pdbRes.store.deps.cache
        .list(pdbRes.store.deps.prefixFor(ns), () => true)
        .items.map((e) => e.object)
        .filter((pdb) => {
          const sel = (pdb.spec as { selector?: unknown } | undefined)?.selector;
          if (!sel) return false;
          try {
            return selectorFromLabelSelector(sel as never).matches(pod.metadata.labels);
          } catch {
            return false;
          }
        });
      if (covering.length > 1) {
        throw internalError(
          new Error('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'),
        );
      }
      if (covering.length === 1) {
        const pdb = covering[0]!;
        const st = (pdb.status ?? {}) as PdbStatus;
        const msg = "Cannot evict pod as it would violate the pod's disruption budget.";
        if ((st.observedGeneration ?? 0) < ((pdb.metadata.generation as number | undefined) ?? 0)) {
          throw budgetError(
            msg,
            `The disruption budget ${String(pdb.metadata.name)} is still being processed by the server.`,
            10,
          );
        }
        if ((st.disruptionsAllowed ?? 0) <= 0) {
          throw budgetError(
            msg,
            `The disruption budget ${String(pdb.metadata.name)} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`,
          );
        }
        if (!opts.dryRun) {
          // Record the disruption so concurrent evictions see the reduced budget (CAS on the PDB).
          await pdbRes.store.update(
            ctx,
            ns,
            String(pdb.metadata.name),
            (cur) => {
              const next = structuredClone(cur!);
              const s = (next.status ??= {}) as PdbStatus;
              if ((s.disruptionsAllowed ?? 0) <= 0)
                throw budgetError(msg, `The disruption budget ${String(pdb.metadata.name)} has no disruptions left`);
              s.disruptionsAllowed = (s.disruptionsAllowed ?? 0) - 1;
              s.disruptedPods = {
                ...(s.disruptedPods ?? {}),
                [name]: new Date(deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
              };
              // No resourceVersion precondition: on a write conflict the store re-reads
              // and re-runs this callback, so concurrent evictions (kubectl drain sends
              // them in parallel) re-check the budget instead of failing with 409.
              delete next.metadata.resourceVersion;
              return next;
            },
            { subresource: { prepareForUpdate: () => undefined, validateUpdate: () => [] } },
          );
        }
      }
    }
    await podRes.store.delete(ctx, ns, name, opts);
    return success;
  };
}
