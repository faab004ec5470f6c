import type { CycleState } from '../../framework/cycle-state.js';
import type { Handle, Plugin } from '../../framework/interfaces.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Status } from '../../framework/status.js';
import { Names } from '../names.js';

/** Bind: creates the pod's `pods/binding` through the Binder port. */
export class DefaultBinder implements Plugin {
  readonly name = Names.DefaultBinder;

  constructor(private readonly handle: Handle) {}

  async bind(_s: CycleState, pi: PodInfo, nodeName: string): Promise<Status | null> {
    try {
      await this.handle.ports.binder.bind(pi.pod, nodeName);
      return null;
    } catch (e) {
      return Status.fromError(e);
    }
  }
}

export const newDefaultBinder = (_a: unknown, h: Handle): Plugin => new DefaultBinder(h);
