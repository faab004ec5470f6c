import type { PodCondition } from 'kubernetes-types/core/v1.js';
import { StatusError, badRequest, conflict, forbidden, isConflict } from '../../../../api/errors/status-error.js';
import { selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import type { ServedResource, SubresourceHandler } from '../../registry/served-resource.js';
import type { DeleteOptions, SubresourceStrategy } from '../../registry/strategy.js';
import type { ApiResponse, RequestContext } from '../../types.js';
import type { KubeObject } from '../../watch-cache/types.js';
import type { HandlerDeps } from '../context.js';

/**
 * What the eviction logic needs from the rest of the server, so it can be tested
 * with a fake. Writes of the PDB and of the pod's status re-run `mutate` on the
 * latest object after a write conflict (compare-and-swap retry).
 */
export interface EvictionPorts {
  getPod(ns: string, name: string): Promise<KubeObject>;
  /** Every PDB of the namespace, as of a read at least as new as the request. */
  listPdbs(ns: string): Promise<KubeObject[]>;
  /** PDB status write (`poddisruptionbudgets/status`). */
  updatePdbStatus(ns: string, name: string, mutate: (cur: KubeObject) => KubeObject): Promise<void>;
  /** Pod status write (`pods/status`); resolves to the stored pod. */
  updatePodStatus(ns: string, name: string, mutate: (cur: KubeObject) => KubeObject): Promise<KubeObject>;
  deletePod(ns: string, name: string, opts: DeleteOptions): Promise<void>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

type EvictionBody = KubeObject & {
  deleteOptions?: Omit<DeleteOptions, 'dryRun'> & { dryRun?: string[] };
};

interface PdbStatus {
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  conditions?: Record<string, unknown>[];
}

/** Upstream retries conflicting eviction steps 20 times, 500 ms apart (`EvictionsRetry`). */
const retrySteps = 20;
const retryDelayMs = 500;
/** Upstream `MaxDisruptedPodSize`: past it the PDB controller is too far behind to trust the budget. */
const maxDisruptedPods = 2000;
const budgetMessage = "Cannot evict pod as it would violate the pod's disruption budget.";
const pdbResource = { group: 'policy', resource: 'poddisruptionbudget' };
/** Upstream's precondition conflicts here name the kind, not the resource. */
const podKindResource = { group: '', resource: 'Pod' };

const success: ApiResponse = {
  type: 'object',
  status: 201,
  body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
};

function budgetError(cause: string, retryAfterSeconds: number): StatusError {
  return new StatusError(429, 'TooManyRequests', budgetMessage, {
    causes: [{ reason: 'DisruptionBudget', message: cause }],
    retryAfterSeconds,
  });
}

/** The PDB changed under us (or is unprocessed): the client should retry in 10 s. */
const stillProcessing = (pdb: string) =>
  budgetError(`The disruption budget ${pdb} is still being processed by the server.`, 10);

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const phaseOf = (pod: KubeObject) => (pod.status as { phase?: string } | undefined)?.phase;

function isReady(pod: KubeObject): boolean {
  const conds = (pod.status as { conditions?: PodCondition[] } | undefined)?.conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Terminal, pending or terminating pods are deleted without consulting budgets (upstream `canIgnorePDB`). */
function canIgnorePdb(pod: KubeObject): boolean {
  const phase = phaseOf(pod);
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

/** Pods that could still become ready are deleted only at the version the decision saw. */
function shouldEnforceResourceVersion(pod: KubeObject): boolean {
  const phase = phaseOf(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

const withResourceVersion = (o: DeleteOptions, rv: string | undefined): DeleteOptions => ({
  ...o,
  preconditions: { ...o.preconditions, resourceVersion: rv },
});

/** Merges the request's `?dryRun` into the Eviction's deleteOptions (upstream `propagateDryRun`). */
function deleteOptionsOf(eviction: EvictionBody, queryDryRun: string[]): DeleteOptions {
  const d = eviction.deleteOptions;
  const bodyDryRun = d?.dryRun ?? [];
  if (bodyDryRun.length > 0 && queryDryRun.length > 0 && bodyDryRun.join('\0') !== queryDryRun.join('\0')) {
    throw badRequest(
      `Non-matching dry-run options in request and content: [${queryDryRun.join(' ')}] and [${bodyDryRun.join(' ')}]`,
    );
  }
  const dryRun = (bodyDryRun.length > 0 ? bodyDryRun : queryDryRun).includes('All');
  const opts: DeleteOptions = { dryRun };
  if (d?.gracePeriodSeconds !== undefined && d.gracePeriodSeconds !== null)
    opts.gracePeriodSeconds = d.gracePeriodSeconds;
  if (d?.propagationPolicy) opts.propagationPolicy = d.propagationPolicy;
  if (d?.preconditions) opts.preconditions = { ...d.preconditions };
  return opts;
}

/** PDBs whose (non-empty, valid) selector matches the pod; an empty selector matches nothing here. */
function coveringPdbs(pdbs: KubeObject[], pod: KubeObject): KubeObject[] {
  return pdbs.filter((pdb) => {
    try {
      const sel = selectorFromLabelSelector((pdb.spec as { selector?: never } | undefined)?.selector);
      return !sel.isEmpty() && sel.matches(pod.metadata.labels);
    } catch {
      return false;
    }
  });
}

/**
 * Verifies the budget allows one more disruption and records it (upstream
 * `checkAndDecrement`): the returned PDB has one disruption fewer, the pod in
 * `disruptedPods` (so the disruption controller does not count it as healthy)
 * and, when the budget is now spent, DisruptionAllowed=False.
 */
function checkAndDecrement(pdb: KubeObject, podName: string, now: number): KubeObject {
  const name = String(pdb.metadata.name);
  const st = (pdb.status ?? {}) as PdbStatus;
  if ((st.observedGeneration ?? 0) < ((pdb.metadata.generation as number | undefined) ?? 0))
    throw stillProcessing(name);
  const allowed = st.disruptionsAllowed ?? 0;
  if (allowed < 0) throw forbidden(pdbResource, name, 'pdb disruptions allowed is negative');
  if (Object.keys(st.disruptedPods ?? {}).length > maxDisruptedPods) {
    throw forbidden(
      pdbResource,
      name,
      'DisruptedPods map too big - too many evictions not confirmed by PDB controller',
    );
  }
  if (allowed === 0) {
    throw budgetError(
      `The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`,
      0,
    );
  }
  const next = structuredClone(pdb);
  const s = (next.status ??= {}) as PdbStatus;
  s.disruptionsAllowed = allowed - 1;
  if (s.disruptionsAllowed === 0) {
    const conds = (s.conditions ??= []);
    const i = conds.findIndex((c) => c.type === 'DisruptionAllowed');
    const old = i >= 0 ? conds[i] : undefined;
    const cond = {
      type: 'DisruptionAllowed',
      status: 'False',
      observedGeneration: s.observedGeneration,
      lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime : rfc3339(now),
      reason: 'InsufficientPods',
      message: typeof old?.message === 'string' && old.status === 'False' ? old.message : '',
    };
    if (i >= 0) conds[i] = cond;
    else conds.push(cond);
  }
  s.disruptedPods = { ...(s.disruptedPods ?? {}), [podName]: rfc3339(now) };
  return next;
}

/**
 * Marks the pod DisruptionTarget=True (reason EvictionByEvictionAPI) through its
 * status, then deletes it (upstream `addConditionAndDeletePod`), so consumers
 * such as a Job's podFailurePolicy see why it went. The preconditions are
 * checked against the latest pod before the condition is written; a
 * resourceVersion precondition then moves to the version that write produced.
 */
async function addConditionAndDelete(
  ports: EvictionPorts,
  ns: string,
  name: string,
  opts: DeleteOptions,
): Promise<void> {
  let del = opts;
  if (!opts.dryRun) {
    const pre = opts.preconditions;
    const updated = await ports.updatePodStatus(ns, name, (latest) => {
      const uid = String(latest.metadata.uid ?? '');
      if (pre?.uid && pre.uid !== uid) {
        throw conflict(
          podKindResource,
          name,
          `the UID in the precondition (${pre.uid}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
        );
      }
      const rv = String(latest.metadata.resourceVersion ?? '');
      if (pre?.resourceVersion && pre.resourceVersion !== rv) {
        throw conflict(
          podKindResource,
          name,
          `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${rv}). The object might have been modified`,
        );
      }
      const next = structuredClone(latest);
      const status = (next.status ??= {}) as { conditions?: PodCondition[] };
      const conds = (status.conditions ??= []);
      const i = conds.findIndex((c) => c.type === 'DisruptionTarget');
      const old = i >= 0 ? conds[i] : undefined;
      const cond: PodCondition = {
        type: 'DisruptionTarget',
        status: 'True',
        lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : rfc3339(ports.now()),
        reason: 'EvictionByEvictionAPI',
        message: 'Eviction API: evicting',
      };
      if (old?.lastProbeTime) cond.lastProbeTime = old.lastProbeTime;
      if (i >= 0) conds[i] = cond;
      else conds.push(cond);
      // Unconditional write: the preconditions were checked against `latest` above.
      delete next.metadata.resourceVersion;
      return next;
    });
    if (pre?.resourceVersion) del = withResourceVersion(opts, String(updated.metadata.resourceVersion));
  }
  await ports.deletePod(ns, name, del);
}

/**
 * The eviction decision and its effects (upstream `registry/core/pod/storage/eviction.go`
 * `EvictionREST.Create`):
 * - pods that are Pending, terminal or already terminating are deleted without a budget check;
 * - no covering PDB: deleted; more than one: 500 (unsupported);
 * - a covering PDB with a not-Ready pod: deleted without spending the budget when the policy
 *   is AlwaysAllow, or (IfHealthyBudget, the default) when currentHealthy >= desiredHealthy > 0;
 * - otherwise one disruption is taken from the budget (429 when none is left) and the pod deleted.
 * Deletions that skipped the budget carry the pod's resourceVersion, so a pod that became
 * Ready meanwhile is not deleted (409, reported as 429 so clients retry).
 */
export async function evict(
  ports: EvictionPorts,
  ns: string,
  name: string,
  eviction: EvictionBody,
  queryDryRun: string[] = [],
): Promise<ApiResponse> {
  if (eviction.metadata?.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  const original = deleteOptionsOf(eviction, queryDryRun);
  const rvSet = original.preconditions?.resourceVersion !== undefined;

  let pod: KubeObject;
  for (let attempt = 1; ; attempt++) {
    pod = await ports.getPod(ns, name);
    if (!canIgnorePdb(pod)) break;
    const opts =
      shouldEnforceResourceVersion(pod) && !rvSet
        ? withResourceVersion(original, String(pod.metadata.resourceVersion))
        : original;
    try {
      await addConditionAndDelete(ports, ns, name, opts);
      return success;
    } catch (err) {
      if (rvSet || !isConflict(err) || attempt >= retrySteps) throw err;
      await ports.sleep(retryDelayMs);
    }
  }

  const pdbs = coveringPdbs(await ports.listPdbs(ns), pod);
  if (pdbs.length > 1) {
    const message = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';
    return {
      type: 'object',
      status: 500,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 },
    };
  }
  let skipBudget = false;
  let pdbName = '';
  if (pdbs.length === 1) {
    const pdb = pdbs[0]!;
    pdbName = String(pdb.metadata.name);
    if (!isReady(pod)) {
      // A not-Ready pod does not count as healthy: removing it does not disrupt the application.
      const policy = (pdb.spec as { unhealthyPodEvictionPolicy?: string } | undefined)?.unhealthyPodEvictionPolicy;
      const st = (pdb.status ?? {}) as PdbStatus;
      const desired = st.desiredHealthy ?? 0;
      skipBudget = policy === 'AlwaysAllow' || ((st.currentHealthy ?? 0) >= desired && desired > 0);
    }
    if (!skipBudget) {
      if (original.dryRun) checkAndDecrement(pdb, name, ports.now());
      else await ports.updatePdbStatus(ns, pdbName, (cur) => checkAndDecrement(cur, name, ports.now()));
    }
  }

  const opts = skipBudget ? withResourceVersion(original, String(pod.metadata.resourceVersion)) : original;
  try {
    await addConditionAndDelete(ports, ns, name, opts);
  } catch (err) {
    if (isConflict(err) && skipBudget && !rvSet) throw stillProcessing(pdbName);
    throw err;
  }
  return success;
}

/** Adapts the pod and PDB stores to EvictionPorts for one request. */
export function storePorts(
  ctx: RequestContext,
  podRes: ServedResource,
  pdbRes: ServedResource | undefined,
  deps: HandlerDeps,
): EvictionPorts {
  const passThrough: SubresourceStrategy = { prepareForUpdate: () => undefined, validateUpdate: () => [] };
  const podStatus = podRes.subresources.get('status')?.strategy ?? passThrough;
  return {
    getPod: (ns, name) => podRes.store.get(ns, name),
    async listPdbs(ns) {
      if (!pdbRes) return [];
      const { cache, storage, prefixFor } = pdbRes.store.deps;
      await cache.waitForRevision(await storage.currentRevision());
      return cache.list(prefixFor(ns), () => true).items.map((e) => e.object);
    },
    async updatePdbStatus(ns, name, mutate) {
      if (!pdbRes) return;
      const subresource = pdbRes.subresources.get('status')?.strategy ?? passThrough;
      await pdbRes.store.update(
        ctx,
        ns,
        name,
        (cur) => {
          // The store answers 404 itself when the object is missing on a subresource write.
          const next = mutate(cur!);
          // Unconditional: after a write conflict the store re-reads and re-runs the check,
          // so concurrent evictions (kubectl drain sends them in parallel) see the reduced budget.
          delete next.metadata.resourceVersion;
          return next;
        },
        { subresource },
      );
    },
    async updatePodStatus(ns, name, mutate) {
      const out = await podRes.store.update(ctx, ns, name, (cur) => mutate(cur!), { subresource: podStatus });
      return out.object;
    },
    async deletePod(ns, name, opts) {
      await podRes.store.delete(ctx, ns, name, opts);
    },
    sleep: (ms) => new Promise((resolve) => deps.clock.setTimeout(resolve, ms)),
    now: () => deps.clock.now(),
  };
}

/** `pods/eviction` (policy/v1 Eviction, what `kubectl drain` posts); see `evict`. */
export function evictPod(
  pods: () => ServedResource,
  pdbs: () => ServedResource | undefined,
  deps: HandlerDeps,
): NonNullable<SubresourceHandler['create']> {
  return (ctx, ns, name, body) =>
    evict(storePorts(ctx, pods(), pdbs(), deps), ns, name, body as EvictionBody, ctx.request.query.getAll('dryRun'));
}
