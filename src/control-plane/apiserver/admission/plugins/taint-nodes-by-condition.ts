import type { Node } from 'kubernetes-types/core/v1.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from '../types.js';
import { isResource } from './plugin-util.js';
import { taintNodeNotReady } from './default-toleration-seconds.js';

/**
 * TaintNodesByCondition (upstream `plugin/pkg/admission/nodetaint`): a Node
 * is created with the `node.kubernetes.io/not-ready:NoSchedule` taint, so
 * nothing is scheduled to it before the node lifecycle controller has seen
 * it Ready (and removes the taint).
 */
export class TaintNodesByCondition implements MutatingAdmissionPlugin {
  readonly name = 'TaintNodesByCondition';

  handles(a: AdmissionAttributes): boolean {
    return isResource(a, '', 'nodes') && a.subresource === '' && a.operation === 'CREATE' && !!a.object;
  }

  admit(a: AdmissionAttributes): void {
    const spec = ((a.object as unknown as Node).spec ??= {});
    const taints = spec.taints ?? [];
    if (taints.some((t) => t.key === taintNodeNotReady && t.effect === 'NoSchedule')) return;
    spec.taints = [...taints, { key: taintNodeNotReady, effect: 'NoSchedule' }];
  }
}
