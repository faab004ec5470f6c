import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { aggregateMessage, FieldPath, type FieldError } from '../../../../api/validation/field-error.js';
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/events.js';
import type { Handle, Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { compileNodeSelector } from '../../framework/node-selector.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { milliValue } from '../../framework/resource.js';
import { Code, Status } from '../../framework/status.js';
import { PluginArgsError, asObject } from '../helpers/args.js';
import { claimClass, claimNameOf, claimNotFound, getClaim, hasClaims } from '../helpers/volumes.js';
import { Names } from '../names.js';

export const ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
export const ErrReasonNodeConflict = 'node(s) had volume node affinity conflict';
export const ErrReasonNotEnoughSpace = 'node(s) did not have enough free storage';
export const ErrReasonPVNotExist = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ErrUnboundImmediateClaims = 'pod has unbound immediate PersistentVolumeClaims';
const NoProvisioner = 'kubernetes.io/no-provisioner';

export interface VolumeBindingArgs {
  bindTimeoutSeconds: number;
}

export function defaultVolumeBindingArgs(raw: unknown): VolumeBindingArgs {
  return { bindTimeoutSeconds: (asObject(raw).bindTimeoutSeconds as number | undefined) ?? 600 };
}

export function validateVolumeBindingArgs(a: VolumeBindingArgs, path: FieldPath): FieldError[] {
  return a.bindTimeoutSeconds >= 0
    ? []
    : [
        path
          .child('bindTimeoutSeconds')
          .invalid(a.bindTimeoutSeconds, 'invalid BindTimeoutSeconds, should not be a negative value'),
      ];
}

/** Per node: which claims bind to which volumes, and which get provisioned there. */
interface PodVolumes {
  bindings: { pvc: PersistentVolumeClaim; pv: string }[];
  provisions: PersistentVolumeClaim[];
}

class State implements StateData {
  readonly byNode = new Map<string, PodVolumes>();
  constructor(
    readonly bound: PersistentVolumeClaim[],
    readonly delayed: PersistentVolumeClaim[],
  ) {}
  clone(): State {
    return this;
  }
}

const stateKey = 'PreFilter' + Names.VolumeBinding;

function isBound(pvc: PersistentVolumeClaim): boolean {
  return !!pvc.spec?.volumeName;
}

function requestBytes(pvc: PersistentVolumeClaim): number {
  return milliValue(pvc.spec?.resources?.requests?.storage) / 1000;
}

function nodeAffinityMatches(pv: PersistentVolume, ni: NodeInfo): boolean {
  const req = pv.spec?.nodeAffinity?.required;
  if (!req) return true;
  return compileNodeSelector(req).matchesLabels(ni.labels, ni.name);
}

/**
 * Delayed (WaitForFirstConsumer) and bound PersistentVolumeClaims (upstream
 * VolumeBinding, without storage-capacity scoring): Filter checks bound
 * volumes' node affinity and finds, per node, an available volume or a
 * provisioner for each unbound claim; Reserve holds the chosen volumes
 * against other pods; PreBind writes the bindings / selected-node
 * annotations and waits until the claims are bound.
 */
export class VolumeBinding implements Plugin {
  readonly name = Names.VolumeBinding;
  /** Volumes chosen for pods between Reserve and PreBind: pv name -> pod uid. */
  private readonly assumed = new Map<string, string>();

  constructor(
    private readonly args: VolumeBindingArgs,
    private readonly handle: Handle,
  ) {}

  preFilter(state: CycleState, pi: PodInfo): Status | null {
    if (!hasClaims(pi.pod)) return new Status(Code.Skip);
    const listers = this.handle.listers;
    const bound: PersistentVolumeClaim[] = [];
    const delayed: PersistentVolumeClaim[] = [];
    let immediate = 0;
    for (const v of pi.pod.spec?.volumes ?? []) {
      const name = claimNameOf(pi.pod, v);
      if (!name) continue;
      const pvc = getClaim(listers, pi.namespace, name);
      if (!pvc) return new Status(Code.UnschedulableAndUnresolvable, [claimNotFound(name)]);
      if (pvc.metadata?.deletionTimestamp) {
        return new Status(Code.UnschedulableAndUnresolvable, [`persistentvolumeclaim "${name}" is being deleted`]);
      }
      if (isBound(pvc)) {
        bound.push(pvc);
        continue;
      }
      const sc = listers.storageClasses?.get(claimClass(pvc));
      if (sc?.volumeBindingMode === 'WaitForFirstConsumer') delayed.push(pvc);
      else immediate++;
    }
    if (immediate > 0) return new Status(Code.UnschedulableAndUnresolvable, [ErrUnboundImmediateClaims]);
    state.write(stateKey, new State(bound, delayed));
    return null;
  }

  filter(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    const s = state.read<State>(stateKey);
    if (!s) return null;
    const listers = this.handle.listers;
    const reasons = new Set<string>();
    for (const pvc of s.bound) {
      const pv = listers.pvs?.get(pvc.spec!.volumeName!);
      if (!pv) reasons.add(ErrReasonPVNotExist);
      else if (!nodeAffinityMatches(pv, nodeInfo)) reasons.add(ErrReasonNodeConflict);
    }
    const result: PodVolumes = { bindings: [], provisions: [] };
    const chosen = new Set<string>();
    for (const pvc of s.delayed) {
      const pv = this.findMatchingVolume(pvc, nodeInfo, chosen, pi.uid);
      if (pv) {
        chosen.add(pv);
        result.bindings.push({ pvc, pv });
        continue;
      }
      const sc = listers.storageClasses?.get(claimClass(pvc));
      if (
        !sc ||
        !sc.provisioner ||
        sc.provisioner === NoProvisioner ||
        !this.topologyAllows(sc.allowedTopologies, nodeInfo)
      ) {
        reasons.add(ErrReasonBindConflict);
        continue;
      }
      result.provisions.push(pvc);
    }
    if (reasons.size) return new Status(Code.UnschedulableAndUnresolvable, [...reasons]);
    s.byNode.set(nodeInfo.name, result);
    return null;
  }

  private topologyAllows(
    terms: { matchLabelExpressions?: { key: string; values: string[] }[] }[] | undefined,
    ni: NodeInfo,
  ): boolean {
    if (!terms || terms.length === 0) return true;
    return terms.some((t) =>
      (t.matchLabelExpressions ?? []).every((e) => e.values.includes(ni.labels[e.key] ?? '\x00')),
    );
  }

  /** The smallest available volume that satisfies the claim on this node (upstream FindMatchingVolume). */
  private findMatchingVolume(
    pvc: PersistentVolumeClaim,
    ni: NodeInfo,
    chosen: Set<string>,
    podUid: string,
  ): string | undefined {
    const want = requestBytes(pvc);
    const cls = claimClass(pvc);
    const modes = pvc.spec?.accessModes ?? [];
    let best: PersistentVolume | undefined;
    let bestSize = Infinity;
    for (const pv of this.handle.listers.pvs?.list() ?? []) {
      const name = pv.metadata?.name ?? '';
      if (chosen.has(name)) continue;
      const holder = this.assumed.get(name);
      if (holder && holder !== podUid) continue;
      const ref = pv.spec?.claimRef;
      if (ref && !(ref.namespace === pvc.metadata?.namespace && ref.name === pvc.metadata?.name)) continue;
      if (pv.status?.phase && pv.status.phase !== 'Available' && !ref) continue;
      if ((pv.spec?.storageClassName ?? '') !== cls) continue;
      if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) continue;
      if (!modes.every((m) => pv.spec?.accessModes?.includes(m))) continue;
      const size = milliValue(pv.spec?.capacity?.storage) / 1000;
      if (size < want) continue;
      if (!nodeAffinityMatches(pv, ni)) continue;
      if (size < bestSize) {
        best = pv;
        bestSize = size;
      }
    }
    return best?.metadata?.name;
  }

  reserve(state: CycleState, pi: PodInfo, nodeName: string): Status | null {
    const r = state.read<State>(stateKey)?.byNode.get(nodeName);
    if (!r) return null;
    for (const b of r.bindings) {
      const holder = this.assumed.get(b.pv);
      if (holder && holder !== pi.uid) return new Status(Code.Unschedulable, [ErrReasonBindConflict]);
    }
    for (const b of r.bindings) this.assumed.set(b.pv, pi.uid);
    return null;
  }

  unreserve(state: CycleState, pi: PodInfo, nodeName: string): void {
    const r = state.read<State>(stateKey)?.byNode.get(nodeName);
    for (const b of r?.bindings ?? []) if (this.assumed.get(b.pv) === pi.uid) this.assumed.delete(b.pv);
  }

  async preBind(state: CycleState, pi: PodInfo, nodeName: string): Promise<Status | null> {
    const r = state.read<State>(stateKey)?.byNode.get(nodeName);
    if (!r || (r.bindings.length === 0 && r.provisions.length === 0)) return null;
    const port = this.handle.ports.volumeBinder;
    if (!port) return new Status(Code.Error, ['volume binding is not available: no VolumeBinderPort configured']);
    try {
      for (const b of r.bindings) await port.bindClaim(b.pvc, b.pv);
      for (const pvc of r.provisions) await port.setSelectedNode(pvc, nodeName);
      const claims = [...r.bindings.map((b) => b.pvc), ...r.provisions];
      const deadline = this.handle.clock.now() + this.args.bindTimeoutSeconds * 1000;
      for (;;) {
        const pending = claims.filter(
          (c) => !getClaim(this.handle.listers, pi.namespace, c.metadata?.name ?? '')?.spec?.volumeName,
        );
        if (pending.length === 0) return null;
        if (this.handle.clock.now() >= deadline) {
          return new Status(Code.Error, [`binding volumes: context deadline exceeded`]);
        }
        await this.handle.clock.sleep(100);
      }
    } finally {
      for (const b of r.bindings) if (this.assumed.get(b.pv) === pi.uid) this.assumed.delete(b.pv);
    }
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'StorageClass', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'PersistentVolume', actionType: ActionType.Add | ActionType.Update } },
      {
        event: {
          resource: 'Node',
          actionType: ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint,
        },
      },
      { event: { resource: 'CSINode', actionType: ActionType.Add | ActionType.Update } },
    ];
  }
}

export function newVolumeBinding(raw: unknown, handle: Handle): Plugin {
  const args = defaultVolumeBindingArgs(raw);
  const errs = validateVolumeBindingArgs(args, FieldPath.root(''));
  if (errs.length) throw new PluginArgsError(Names.VolumeBinding, errs, aggregateMessage(errs));
  return new VolumeBinding(args, handle);
}
