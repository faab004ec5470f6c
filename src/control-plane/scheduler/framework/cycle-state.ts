/** State a plugin keeps in a CycleState may be cloned for what-if evaluations (preemption). */
export interface StateData {
  clone(): StateData;
}

/**
 * Per-scheduling-cycle scratch space shared by the plugins of one pod's
 * cycle (upstream framework.CycleState). The runtime records which plugins
 * asked to be skipped at PreFilter/PreScore, and the compiled per-cycle
 * plugin lists, so the per-node loops do no set lookups.
 */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose Filter is skipped this cycle (their PreFilter returned Skip). */
  skipFilterPlugins: ReadonlySet<string> = new Set();
  /** Plugins whose Score is skipped this cycle (their PreScore returned Skip). */
  skipScorePlugins: ReadonlySet<string> = new Set();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  delete(key: string): void {
    this.data.delete(key);
  }

  /** A copy whose StateData values are cloned (others are shared). */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) {
      const cloneable = v !== null && typeof v === 'object' && typeof (v as StateData).clone === 'function';
      c.data.set(k, cloneable ? (v as StateData).clone() : v);
    }
    c.skipFilterPlugins = this.skipFilterPlugins;
    c.skipScorePlugins = this.skipScorePlugins;
    return c;
  }
}

/**
 * A one-entry memo of a CycleState value for per-node plugin methods: the
 * same state is read for every node of a cycle, so the Map lookup happens
 * once per cycle (and again for a cloned state in what-if evaluations).
 */
export class StateRef<T> {
  private state: CycleState | undefined;
  private value: T | undefined;

  constructor(readonly key: string) {}

  get(state: CycleState): T | undefined {
    if (state !== this.state) {
      this.state = state;
      this.value = state.read<T>(this.key);
    }
    return this.value;
  }

  set(state: CycleState, value: T): void {
    state.write(this.key, value);
    this.state = state;
    this.value = value;
  }
}
