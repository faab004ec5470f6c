import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { selectorFromLabelSelector, type LabelMatcher } from '../../../../api/selectors/label-selector.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { Handle } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { moreImportantPod, type PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';

export const NoVictimsMessage = 'No preemption victims found for incoming pod';

export interface Victims {
  pods: Pod[];
  numPDBViolations: number;
}

export interface Candidate {
  name: string;
  victims: Victims;
}

/** A PDB with its selector compiled once per preemption attempt. */
export interface CompiledPDB {
  pdb: PodDisruptionBudget;
  namespace: string;
  selector: LabelMatcher | null;
}

export function compilePDBs(pdbs: readonly PodDisruptionBudget[]): CompiledPDB[] {
  return pdbs.map((pdb) => {
    let selector: LabelMatcher | null = null;
    try {
      const s = selectorFromLabelSelector(pdb.spec?.selector);
      selector = s.isEmpty() ? null : s;
    } catch {
      selector = null;
    }
    return { pdb, namespace: pdb.metadata?.namespace ?? '', selector };
  });
}

/**
 * Splits victims into those whose eviction would exceed a PDB's
 * disruptionsAllowed (counting down as victims are taken) and the rest
 * (upstream filterPodsWithPDBViolation). A nil or empty PDB selector matches
 * nothing; pods already in disruptedPods are not counted again.
 */
export function filterPodsWithPDBViolation(
  pods: readonly PodInfo[],
  pdbs: readonly CompiledPDB[],
): [PodInfo[], PodInfo[]] {
  const allowed = pdbs.map((p) => p.pdb.status?.disruptionsAllowed ?? 0);
  const violating: PodInfo[] = [];
  const ok: PodInfo[] = [];
  for (const pi of pods) {
    const labels = pi.pod.metadata?.labels;
    let violated = false;
    if (labels && Object.keys(labels).length) {
      pdbs.forEach((p, i) => {
        if (p.namespace !== pi.namespace || !p.selector || !p.selector.matches(labels)) return;
        if (p.pdb.status?.disruptedPods && pi.name in p.pdb.status.disruptedPods) return;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      });
    }
    (violated ? violating : ok).push(pi);
  }
  return [violating, ok];
}

const byImportance = (a: PodInfo, b: PodInfo) =>
  moreImportantPod(a.pod, b.pod) ? -1 : moreImportantPod(b.pod, a.pod) ? 1 : 0;

/**
 * The minimal set of lower-priority pods whose removal lets `pod` fit on the
 * node (upstream SelectVictimsOnNode): remove every lower-priority pod, check
 * the pod fits, then reprieve pods from the most important down — PDB
 * violators first — keeping each one that still lets the pod fit.
 * `nodeInfo` and `state` are copies the caller owns.
 */
export function selectVictimsOnNode(
  handle: Handle,
  state: CycleState,
  pod: PodInfo,
  nodeInfo: NodeInfo,
  pdbs: readonly CompiledPDB[],
): { victims: Pod[]; numViolating: number; status: Status | null } {
  const potential: PodInfo[] = [];
  const remove = (pi: PodInfo): Status | null => {
    nodeInfo.removePod(pi.uid);
    return handle.runPreFilterExtensionRemovePod(state, pod, pi, nodeInfo);
  };
  const add = (pi: PodInfo): Status | null => {
    nodeInfo.addPodInfo(pi);
    return handle.runPreFilterExtensionAddPod(state, pod, pi, nodeInfo);
  };
  for (const pi of [...nodeInfo.pods]) {
    if (pi.priority < pod.priority) {
      potential.push(pi);
      const s = remove(pi);
      if (s) return { victims: [], numViolating: 0, status: s };
    }
  }
  if (potential.length === 0) {
    return { victims: [], numViolating: 0, status: new Status(Code.UnschedulableAndUnresolvable, [NoVictimsMessage]) };
  }
  const fits = handle.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
  if (fits !== null && fits.code !== Code.Success) return { victims: [], numViolating: 0, status: fits };
  potential.sort(byImportance);
  const [violating, nonViolating] = filterPodsWithPDBViolation(potential, pdbs);
  const victims: PodInfo[] = [];
  let numViolating = 0;
  const reprieve = (pi: PodInfo): boolean | Status => {
    const s = add(pi);
    if (s) return s;
    const st = handle.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
    const ok = st === null || st.code === Code.Success;
    if (!ok) {
      const r = remove(pi);
      if (r) return r;
      victims.push(pi);
    }
    return ok;
  };
  for (const pi of violating) {
    const r = reprieve(pi);
    if (r instanceof Status) return { victims: [], numViolating: 0, status: r };
    if (!r) numViolating++;
  }
  for (const pi of nonViolating) {
    const r = reprieve(pi);
    if (r instanceof Status) return { victims: [], numViolating: 0, status: r };
  }
  if (violating.length && nonViolating.length) victims.sort(byImportance);
  return { victims: victims.map((v) => v.pod), numViolating, status: null };
}

function startTime(p: Pod): number {
  const t = p.status?.startTime;
  return t ? Date.parse(t) : Date.now();
}

/**
 * Picks the candidate node (upstream pickOneNodeForPreemption): fewest PDB
 * violations, then the lowest highest-victim priority, the smallest sum of
 * priorities, the fewest victims, and the latest start of the most
 * important victims; ties keep the earlier candidate.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  const offset = 2 ** 31;
  const prio = (p: Pod) => p.spec?.priority ?? 0;
  const scoreFuncs: ((c: Candidate) => number)[] = [
    (c) => -c.victims.numPDBViolations,
    (c) => -prio(c.victims.pods[0]!),
    (c) => -c.victims.pods.reduce((s, p) => s + prio(p) + offset, 0),
    (c) => -c.victims.pods.length,
    (c) => {
      const top = prio(c.victims.pods[0]!);
      let earliest = Infinity;
      for (const p of c.victims.pods) if (prio(p) === top) earliest = Math.min(earliest, startTime(p));
      return earliest;
    },
  ];
  let all = [...candidates];
  for (const f of scoreFuncs) {
    let max = -Infinity;
    let selected: Candidate[] = [];
    for (const c of all) {
      const s = f(c);
      if (s > max) {
        max = s;
        selected = [];
      }
      if (s === max) selected.push(c);
    }
    if (selected.length === 1) return selected[0];
    all = selected;
  }
  return all[0];
}
