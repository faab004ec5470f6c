import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from '../types.js';
import { isResource } from './plugin-util.js';

export const taintNodeNotReady = 'node.kubernetes.io/not-ready';
export const taintNodeUnreachable = 'node.kubernetes.io/unreachable';

export interface DefaultTolerationSecondsOptions {
  /** `--default-not-ready-toleration-seconds` (300). */
  notReadySeconds?: number;
  /** `--default-unreachable-toleration-seconds` (300). */
  unreachableSeconds?: number;
}

/**
 * DefaultTolerationSeconds (upstream `plugin/pkg/admission/defaulttolerationseconds`):
 * pods that do not already tolerate them get NoExecute tolerations for the
 * not-ready and unreachable node taints, bounded to 300 s, so their pods are
 * evicted from a lost node after five minutes rather than never.
 */
export class DefaultTolerationSeconds implements MutatingAdmissionPlugin {
  readonly name = 'DefaultTolerationSeconds';
  readonly #notReady: number;
  readonly #unreachable: number;

  constructor(opts: DefaultTolerationSecondsOptions = {}) {
    this.#notReady = opts.notReadySeconds ?? 300;
    this.#unreachable = opts.unreachableSeconds ?? 300;
  }

  handles(a: AdmissionAttributes): boolean {
    return (
      isResource(a, '', 'pods') &&
      a.subresource === '' &&
      !!a.object &&
      (a.operation === 'CREATE' || a.operation === 'UPDATE')
    );
  }

  admit(a: AdmissionAttributes): void {
    const spec = ((a.object as unknown as Pod).spec ??= { containers: [] });
    const tolerations = spec.tolerations ?? [];
    // An empty key or effect tolerates every key or effect.
    const tolerates = (key: string) =>
      tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
    const add: Toleration[] = [];
    if (!tolerates(taintNodeNotReady)) {
      add.push({ key: taintNodeNotReady, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.#notReady });
    }
    if (!tolerates(taintNodeUnreachable)) {
      add.push({
        key: taintNodeUnreachable,
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: this.#unreachable,
      });
    }
    if (add.length) spec.tolerations = [...tolerations, ...add];
  }
}
