import type { AdmissionAttributes, MutatingAdmissionPlugin, ValidatingAdmissionPlugin } from './types.js';

/** Runs mutating plugins in order, then (separately, from inside the store) validating plugins in order. */
export class AdmissionChain {
  constructor(
    private readonly mutating: MutatingAdmissionPlugin[] = [],
    private readonly validating: ValidatingAdmissionPlugin[] = [],
  ) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    for (const p of this.mutating) if (p.handles(a)) await p.admit(a);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    for (const p of this.validating) if (p.handles(a)) await p.validate(a);
  }

  /** Appends a plugin (startup wiring; plugins run in the order added). */
  addMutating(p: MutatingAdmissionPlugin): void {
    this.mutating.push(p);
  }
  addValidating(p: ValidatingAdmissionPlugin): void {
    this.validating.push(p);
  }

  with(mutating: MutatingAdmissionPlugin[], validating: ValidatingAdmissionPlugin[]): AdmissionChain {
    return new AdmissionChain([...this.mutating, ...mutating], [...this.validating, ...validating]);
  }
}
