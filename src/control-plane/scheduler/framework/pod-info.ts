import type { ContainerPort, Pod, PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector, type LabelMatcher } from '../../../api/selectors/label-selector.js';
import { requiredNodeAffinityOf, type RequiredNodeAffinity } from './node-selector.js';
import { computePodResource, type PodResource } from './resource.js';

/**
 * A pod affinity term compiled once (upstream framework.AffinityTerm). A
 * term without namespaces and namespaceSelector means the pod's own namespace.
 */
export interface AffinityTerm {
  namespaces: Set<string>;
  selector: LabelMatcher;
  topologyKey: string;
  namespaceSelector: LabelMatcher;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/**
 * Whether `term` selects `pod` (upstream AffinityTerm.Matches): its namespace
 * is listed or its namespace's labels (`nsLabels`) match the namespace
 * selector, and its labels match. Terms whose namespace selector was merged
 * into `namespaces` carry the `nothing` selector, so callers pass no labels.
 */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels: Record<string, string> | undefined): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (term.namespaces.has(ns) || term.namespaceSelector.matches(nsLabels)) {
    return term.selector.matches(pod.metadata?.labels);
  }
  return false;
}

function safeSelector(sel: Parameters<typeof selectorFromLabelSelector>[0]): LabelMatcher | string {
  try {
    return selectorFromLabelSelector(sel);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function compileTerm(pod: Pod, t: PodAffinityTerm, errs: string[]): AffinityTerm | undefined {
  const selector = safeSelector(t.labelSelector);
  const nsSelector = safeSelector(t.namespaceSelector);
  if (typeof selector === 'string' || typeof nsSelector === 'string') {
    errs.push(typeof selector === 'string' ? selector : (nsSelector as string));
    return undefined;
  }
  const namespaces =
    (t.namespaces?.length ?? 0) === 0 && t.namespaceSelector == null
      ? new Set([pod.metadata?.namespace ?? ''])
      : new Set(t.namespaces ?? []);
  return { namespaces, selector, topologyKey: t.topologyKey, namespaceSelector: nsSelector };
}

function compileTerms(pod: Pod, terms: readonly PodAffinityTerm[] | undefined, errs: string[]): AffinityTerm[] {
  const out: AffinityTerm[] = [];
  for (const t of terms ?? []) {
    const c = compileTerm(pod, t, errs);
    if (c) out.push(c);
  }
  return out;
}

function compileWeighted(
  pod: Pod,
  terms: readonly WeightedPodAffinityTerm[] | undefined,
  errs: string[],
): WeightedAffinityTerm[] {
  const out: WeightedAffinityTerm[] = [];
  for (const t of terms ?? []) {
    const c = compileTerm(pod, t.podAffinityTerm, errs);
    if (c) out.push({ ...c, weight: t.weight });
  }
  return out;
}

const empty: never[] = [];

/** Host ports of containers and sidecar (restartPolicy: Always) init containers (upstream GetHostPorts). */
export function hostPortsOf(pod: Pod): ContainerPort[] {
  const out: ContainerPort[] = [];
  const spec = pod.spec;
  if (!spec) return out;
  for (const c of spec.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if ((p.hostPort ?? 0) > 0) out.push(p);
  }
  for (const c of spec.containers ?? []) for (const p of c.ports ?? []) if ((p.hostPort ?? 0) > 0) out.push(p);
  return out;
}

/**
 * A pod with what the scheduler derives from it, computed once per pod
 * version (upstream framework.PodInfo): affinity terms, requests, priority.
 * The pod object is shared and never mutated.
 */
export class PodInfo {
  readonly pod: Pod;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name`. */
  readonly key: string;
  readonly priority: number;
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** Selector parse errors of affinity terms (upstream ignores such terms and reports them). */
  readonly parseErrors: readonly string[];
  #resource: PodResource | undefined;
  #nodeAffinity: RequiredNodeAffinity | undefined;
  #hostPorts: readonly ContainerPort[] | undefined;
  #claimKeys: readonly string[] | undefined;

  constructor(pod: Pod, from?: PodInfo) {
    this.pod = pod;
    const md = pod.metadata ?? {};
    this.uid = md.uid ?? `${md.namespace ?? ''}/${md.name ?? ''}`;
    this.namespace = md.namespace ?? '';
    this.name = md.name ?? '';
    this.key = `${this.namespace}/${this.name}`;
    this.priority = pod.spec?.priority ?? 0;
    if (from) {
      // The caller vouches that the spec's scheduling inputs are unchanged: reuse the compiled parts.
      this.requiredAffinityTerms = from.requiredAffinityTerms;
      this.requiredAntiAffinityTerms = from.requiredAntiAffinityTerms;
      this.preferredAffinityTerms = from.preferredAffinityTerms;
      this.preferredAntiAffinityTerms = from.preferredAntiAffinityTerms;
      this.parseErrors = from.parseErrors;
      this.#resource = from.#resource;
      this.#nodeAffinity = from.#nodeAffinity;
      this.#hostPorts = from.#hostPorts;
      this.#claimKeys = from.#claimKeys;
      return;
    }
    const a = pod.spec?.affinity;
    if (!a || (!a.podAffinity && !a.podAntiAffinity)) {
      this.requiredAffinityTerms = empty;
      this.requiredAntiAffinityTerms = empty;
      this.preferredAffinityTerms = empty;
      this.preferredAntiAffinityTerms = empty;
      this.parseErrors = empty;
      return;
    }
    const errs: string[] = [];
    this.requiredAffinityTerms = compileTerms(pod, a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution, errs);
    this.requiredAntiAffinityTerms = compileTerms(
      pod,
      a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      errs,
    );
    this.preferredAffinityTerms = compileWeighted(
      pod,
      a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      errs,
    );
    this.preferredAntiAffinityTerms = compileWeighted(
      pod,
      a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      errs,
    );
    this.parseErrors = errs;
  }

  /** Requests (with overhead and sidecar rules) and the non-zero cpu/memory used for scoring. */
  get resource(): PodResource {
    return (this.#resource ??= computePodResource(this.pod));
  }

  /** Host ports of the pod (upstream GetHostPorts), computed once: NodeInfo adds and removes pods often in preemption what-ifs. */
  get hostPorts(): readonly ContainerPort[] {
    return (this.#hostPorts ??= hostPortsOf(this.pod));
  }

  /** `namespace/claim` of each persistentVolumeClaim volume, computed once. */
  get claimKeys(): readonly string[] {
    if (this.#claimKeys) return this.#claimKeys;
    const keys: string[] = [];
    for (const v of this.pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim) keys.push(`${this.namespace}/${claim}`);
    }
    return (this.#claimKeys = keys.length ? keys : empty);
  }

  /** spec.nodeSelector and required node affinity, compiled. */
  get requiredNodeAffinity(): RequiredNodeAffinity {
    return (this.#nodeAffinity ??= requiredNodeAffinityOf(this.pod));
  }

  /** Pod affinity or anti-affinity of any kind (upstream podWithAffinity). */
  get hasAffinity(): boolean {
    const a = this.pod.spec?.affinity;
    return !!a && (!!a.podAffinity || !!a.podAntiAffinity);
  }

  get hasRequiredAntiAffinity(): boolean {
    return (this.pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
  }

  /** A PodInfo for a copy of the pod whose scheduling inputs are unchanged (e.g. spec.nodeName set). */
  withPod(pod: Pod): PodInfo {
    return new PodInfo(pod, this);
  }

  /** A PodInfo for a new version of the pod, reusing compiled parts when the spec object is the same. */
  static update(prev: PodInfo | undefined, pod: Pod): PodInfo {
    return prev && prev.pod.spec === pod.spec ? new PodInfo(pod, prev) : new PodInfo(pod);
  }
}

/** Whether `pod` matches all `terms` (upstream podMatchesAllAffinityTerms); false for no terms. */
export function podMatchesAllAffinityTerms(terms: readonly AffinityTerm[], pod: Pod): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, undefined)) return false;
  return true;
}

function startTime(pod: Pod): number {
  const t = pod.status?.startTime;
  return t ? Date.parse(t) : Number.POSITIVE_INFINITY;
}

/** Higher priority first, then the earlier started pod (upstream util.MoreImportantPod). */
export function moreImportantPod(a: Pod, b: Pod): boolean {
  const pa = a.spec?.priority ?? 0;
  const pb = b.spec?.priority ?? 0;
  if (pa !== pb) return pa > pb;
  return startTime(a) < startTime(b);
}
