/**
 * Who claims which map/set element. Two service ports can claim the same key
 * (two Services sharing an externalIP and port, or every port of a Service
 * claiming its ClusterIP in a set); the kernel holds one value per key, so
 * the first claimant wins and later ones take over when it lets go. Used by
 * both kernel proxiers to turn per-port renders into element adds/deletes.
 */
interface Claim {
  owner: string;
  value: string;
}

interface Entry {
  container: string;
  key: string;
  claims: Claim[];
}

export interface ElementClaim {
  /** The map or set the element lives in. */
  container: string;
  key: string;
  value: string;
}

export interface ElementDelta {
  container: string;
  key: string;
  /** Value in the kernel before (undefined = absent). */
  before: string | undefined;
  /** Value after (undefined = absent). */
  after: string | undefined;
}

export interface ElementPlan {
  deltas: ElementDelta[];
  /** Makes the plan the registry's state (call once the kernel accepted it). */
  commit(): void;
}

const id = (container: string, key: string) => `${container}\u0000${key}`;

export class ElementRegistry {
  private entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  /** Effective value of an element, if present. */
  get(container: string, key: string): string | undefined {
    return this.entries.get(id(container, key))?.claims[0]?.value;
  }

  /** Every present element (for full syncs). */
  *effective(): Iterable<ElementClaim> {
    for (const e of this.entries.values()) yield { container: e.container, key: e.key, value: e.claims[0]!.value };
  }

  /**
   * Plans replacing the claims of `owners` with `claims` (by owner; an owner
   * mapped to [] releases everything). Claimants keep their place, so an
   * owner re-claiming a key it already held does not hand it to a rival.
   */
  plan(before: Map<string, readonly ElementClaim[]>, after: Map<string, readonly ElementClaim[]>): ElementPlan {
    const owners = new Set([...before.keys(), ...after.keys()]);
    const touched = new Map<string, { container: string; key: string; next: Map<string, string> }>();
    const touch = (c: ElementClaim) => {
      const k = id(c.container, c.key);
      let t = touched.get(k);
      if (!t) touched.set(k, (t = { container: c.container, key: c.key, next: new Map() }));
      return t;
    };
    for (const claims of before.values()) for (const c of claims) touch(c);
    for (const [owner, claims] of after) {
      for (const c of claims) {
        const t = touch(c);
        if (!t.next.has(owner)) t.next.set(owner, c.value);
      }
    }
    const deltas: ElementDelta[] = [];
    const updates = new Map<string, Entry | undefined>();
    for (const [k, t] of touched) {
      const old = this.entries.get(k)?.claims ?? [];
      const claims: Claim[] = [];
      const present = new Set<string>();
      for (const c of old) {
        present.add(c.owner);
        if (!owners.has(c.owner)) claims.push(c);
        else if (t.next.has(c.owner)) claims.push({ owner: c.owner, value: t.next.get(c.owner)! });
      }
      for (const [owner, value] of t.next) if (!present.has(owner)) claims.push({ owner, value });
      const beforeValue = old[0]?.value;
      const afterValue = claims[0]?.value;
      if (beforeValue !== afterValue)
        deltas.push({ container: t.container, key: t.key, before: beforeValue, after: afterValue });
      updates.set(k, claims.length > 0 ? { container: t.container, key: t.key, claims } : undefined);
    }
    return {
      deltas,
      commit: () => {
        for (const [k, e] of updates) {
          if (e) this.entries.set(k, e);
          else this.entries.delete(k);
        }
      },
    };
  }

  /** Forgets everything (before a full rebuild). */
  clear(): void {
    this.entries = new Map();
  }
}
