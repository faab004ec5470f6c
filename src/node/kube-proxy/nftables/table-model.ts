import { type ElementClaim, ElementRegistry } from '../element-registry.js';
import { baseChainSpec, baseChainsFor, mapSpecs, type NftCapabilities, setTypes, tableRef } from './layout.js';
import type { NftPortRender } from './render.js';

/** A planned `nft -f` transaction; `commit()` records it in the model once nft accepted it. */
export interface NftPlan {
  script: string;
  /** Per-port chains written (added or rewritten) by this transaction. */
  chainsWritten: number;
  elementsChanged: number;
  commit(): void;
}

/** What a full sync found in the kernel (non-destructive mode). */
export interface KernelListing {
  /** Per-port chain names present in our table. */
  chains: string[];
  /** Affinity sets present in our table, with their timeouts in seconds. */
  affinitySets: Map<string, number>;
}

const affinitySetSpec = (timeout: number) => `type ipv4_addr; flags dynamic,timeout; timeout ${timeout}s;`;
const elementChunk = 1000;

function claimsOf(r: NftPortRender | undefined): ElementClaim[] {
  if (!r) return [];
  const seen = new Set<string>();
  const out: ElementClaim[] = [];
  for (const e of r.elements) {
    const k = `${e.map}\u0000${e.key}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ container: e.map, key: e.key, value: e.value });
  }
  return out;
}

function elementText(key: string, value: string): string {
  return value ? `${key} : ${value}` : key;
}

/**
 * Our model of what is in the kernel's `kubets-proxy` table: per-port
 * renders, the rules of every per-port chain, affinity sets, and map
 * elements with their claimants. Incremental plans are diffs against it, so
 * a sync after one endpoint change rewrites one service chain and adds or
 * removes one endpoint chain and one element — never the whole table.
 */
export class NftTableModel {
  private renders = new Map<string, NftPortRender>();
  private chainRules = new Map<string, string>();
  private sets = new Map<string, number>();
  private registry = new ElementRegistry();
  /** Chains flushed and unreferenced, with the monotonic time they became so (deleted >= 1 s later). */
  readonly stale = new Map<string, number>();

  /** Rules in per-port chains (the static ones are counted by the proxier). */
  get portRuleCount(): number {
    let n = 0;
    for (const r of this.renders.values()) for (const rules of r.chains.values()) n += rules.length;
    return n;
  }

  get elementCount(): number {
    return this.registry.size;
  }

  get chainCount(): number {
    return this.chainRules.size;
  }

  renderOf(key: string): NftPortRender | undefined {
    return this.renders.get(key);
  }

  *allRenders(): Iterable<NftPortRender> {
    yield* this.renders.values();
  }

  /** Plans applying `updates` (port key -> new render, or undefined when the port is gone). */
  planIncremental(updates: ReadonlyMap<string, NftPortRender | undefined>, now: number): NftPlan {
    const addChains: string[] = [];
    const flushOnly: string[] = [];
    const setDeletes: string[] = [];
    const setAdds: string[] = [];
    const ruleLines: string[] = [];
    const chainWrites = new Map<string, string | undefined>();
    const setWrites = new Map<string, number | undefined>();
    const before = new Map<string, readonly ElementClaim[]>();
    const after = new Map<string, readonly ElementClaim[]>();

    for (const [key, next] of updates) {
      const prev = this.renders.get(key);
      before.set(key, claimsOf(prev));
      after.set(key, claimsOf(next));
      // A set whose timeout changes must be recreated; every chain naming it is rewritten first.
      let force = false;
      for (const [name, timeout] of next?.affinitySets ?? []) {
        const cur = this.sets.get(name);
        if (cur === timeout) continue;
        if (cur !== undefined) {
          setDeletes.push(`delete set ${tableRef} ${name}`);
          force = true;
        }
        setAdds.push(`add set ${tableRef} ${name} { ${affinitySetSpec(timeout)} }`);
        setWrites.set(name, timeout);
      }
      for (const name of prev?.affinitySets.keys() ?? []) {
        if (next?.affinitySets.has(name)) continue;
        setDeletes.push(`delete set ${tableRef} ${name}`);
        setWrites.set(name, undefined);
      }
      for (const [name, rules] of next?.chains ?? []) {
        const content = rules.join('\n');
        if (!force && this.chainRules.get(name) === content) continue;
        addChains.push(`add chain ${tableRef} ${name}`, `flush chain ${tableRef} ${name}`);
        for (const r of rules) ruleLines.push(`add rule ${tableRef} ${name} ${r}`);
        chainWrites.set(name, content);
      }
      for (const name of prev?.chains.keys() ?? []) {
        if (next?.chains.has(name)) continue;
        flushOnly.push(`flush chain ${tableRef} ${name}`);
        chainWrites.set(name, undefined);
      }
    }

    const elements = this.registry.plan(before, after);
    const elementDeletes: string[] = [];
    const elementAdds: string[] = [];
    for (const d of elements.deltas) {
      if (d.before !== undefined) elementDeletes.push(`delete element ${tableRef} ${d.container} { ${d.key} }`);
      if (d.after !== undefined) {
        elementAdds.push(`add element ${tableRef} ${d.container} { ${elementText(d.key, d.after)} }`);
      }
    }
    // Order matters: chains exist before anything points at them; references go away
    // (elements, flushed rules) before the sets they name are deleted.
    const lines = [
      ...addChains,
      ...flushOnly,
      ...elementDeletes,
      ...setDeletes,
      ...setAdds,
      ...ruleLines,
      ...elementAdds,
    ];
    return {
      script: lines.length > 0 ? lines.join('\n') + '\n' : '',
      chainsWritten: [...chainWrites.values()].filter((c) => c !== undefined).length,
      elementsChanged: elements.deltas.length,
      commit: () => {
        for (const [key, next] of updates) {
          if (next) this.renders.set(key, next);
          else this.renders.delete(key);
        }
        for (const [name, content] of chainWrites) {
          if (content === undefined) {
            this.chainRules.delete(name);
            this.stale.set(name, now);
          } else {
            this.chainRules.set(name, content);
            this.stale.delete(name);
          }
        }
        for (const [name, timeout] of setWrites) {
          if (timeout === undefined) this.sets.delete(name);
          else this.sets.set(name, timeout);
        }
        elements.commit();
      },
    };
  }

  /**
   * Plans rewriting the whole table from `renders`. With `listing` the table
   * is kept (rules flushed and re-added, affinity sets and their state kept);
   * without, it is deleted and recreated in the same transaction.
   */
  planFull(
    renders: ReadonlyMap<string, NftPortRender>,
    staticRules: ReadonlyMap<string, string[]>,
    listing: KernelListing | undefined,
    now: number,
    caps: NftCapabilities,
  ): NftPlan {
    const baseChains = baseChainsFor(caps);
    const out: string[] = [`add table ${tableRef}`];
    if (listing) out.push(`flush table ${tableRef}`);
    else out.push(`delete table ${tableRef}`, `add table ${tableRef}`);

    const wantedSets = new Map<string, number>();
    const chainContent = new Map<string, string>();
    for (const r of renders.values()) {
      for (const [name, timeout] of r.affinitySets) wantedSets.set(name, timeout);
      for (const [name, rules] of r.chains) chainContent.set(name, rules.join('\n'));
    }
    const existingSets = listing?.affinitySets ?? new Map<string, number>();
    for (const [name, timeout] of existingSets) {
      if (wantedSets.get(name) !== timeout) out.push(`delete set ${tableRef} ${name}`);
    }

    const decl: string[] = [`table ${tableRef} {`];
    for (const c of baseChains) decl.push(`\tchain ${c.name} { ${baseChainSpec(c)} }`);
    for (const name of staticRules.keys())
      if (!baseChains.some((b) => b.name === name)) decl.push(`\tchain ${name} { }`);
    for (const [name, spec] of Object.entries(mapSpecs)) decl.push(`\tmap ${name} { ${spec}; }`);
    for (const [name, type] of Object.entries(setTypes)) decl.push(`\tset ${name} { type ${type}; }`);
    for (const [name, timeout] of wantedSets) {
      if (existingSets.get(name) !== timeout) decl.push(`\tset ${name} { ${affinitySetSpec(timeout)} }`);
    }
    for (const name of chainContent.keys()) decl.push(`\tchain ${name} { }`);
    decl.push('}');
    out.push(decl.join('\n'));
    if (listing) {
      for (const name of Object.keys(mapSpecs)) out.push(`flush map ${tableRef} ${name}`);
      for (const name of Object.keys(setTypes)) out.push(`flush set ${tableRef} ${name}`);
    }

    const body: string[] = [`table ${tableRef} {`];
    const chainBlock = (name: string, rules: readonly string[]) => {
      if (rules.length === 0) return;
      body.push(`\tchain ${name} {`);
      for (const r of rules) body.push(`\t\t${r}`);
      body.push('\t}');
    };
    for (const [name, rules] of staticRules) chainBlock(name, rules);
    for (const r of renders.values()) for (const [name, rules] of r.chains) chainBlock(name, rules);
    body.push('}');
    out.push(body.join('\n'));

    const registry = new ElementRegistry();
    const after = new Map<string, readonly ElementClaim[]>();
    for (const [key, r] of renders) after.set(key, claimsOf(r));
    const elements = registry.plan(new Map(), after);
    const byContainer = new Map<string, string[]>();
    for (const d of elements.deltas) {
      let list = byContainer.get(d.container);
      if (!list) byContainer.set(d.container, (list = []));
      list.push(elementText(d.key, d.after!));
    }
    for (const [container, items] of byContainer) {
      for (let i = 0; i < items.length; i += elementChunk) {
        out.push(`add element ${tableRef} ${container} { ${items.slice(i, i + elementChunk).join(', ')} }`);
      }
    }

    const stale = new Map<string, number>();
    if (listing) {
      for (const [name, at] of this.stale) stale.set(name, at);
      for (const name of listing.chains) if (!chainContent.has(name) && !stale.has(name)) stale.set(name, now);
      for (const name of chainContent.keys()) stale.delete(name);
    }
    return {
      script: out.join('\n') + '\n',
      chainsWritten: chainContent.size,
      elementsChanged: elements.deltas.length,
      commit: () => {
        this.renders = new Map(renders);
        this.chainRules = chainContent;
        this.sets = wantedSets;
        this.registry = registry;
        elements.commit();
        this.stale.clear();
        for (const [name, at] of stale) this.stale.set(name, at);
      },
    };
  }

  /** Plans deleting chains stale for at least `minAgeMs` (their references went away in an earlier transaction). */
  planStaleDeletion(now: number, minAgeMs: number): { script: string; names: string[] } {
    const names = [...this.stale].filter(([, at]) => now - at >= minAgeMs).map(([n]) => n);
    return { script: names.map((n) => `delete chain ${tableRef} ${n}`).join('\n') + (names.length ? '\n' : ''), names };
  }

  forgetStale(names: readonly string[]): void {
    for (const n of names) this.stale.delete(n);
  }

  /** Forgets everything (after the table was deleted). */
  reset(): void {
    this.renders = new Map();
    this.chainRules = new Map();
    this.sets = new Map();
    this.registry = new ElementRegistry();
    this.stale.clear();
  }
}
