import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

const rvOf = (s: EndpointSlice): bigint | undefined => {
  const rv = s.metadata?.resourceVersion ?? '';
  return /^[0-9]+$/.test(rv) ? BigInt(rv) : undefined;
};

/**
 * Remembers the slices this controller wrote or deleted per Service until the
 * informer cache has caught up (upstream `EndpointSliceTracker`, which uses
 * `generation`; our EndpointSlices carry none, so this compares the
 * resourceVersions returned by our writes — integers in both datastores).
 * A sync that would act on a stale cache is postponed instead, so a slice just
 * created is never created twice.
 */
export class SliceTracker {
  private readonly expected = new Map<string, Map<string, bigint | 'deleted'>>();

  /** Records a write's result (`deleted` for a delete). */
  expect(serviceKey: string, slice: EndpointSlice, deleted = false): void {
    const name = slice.metadata?.name;
    if (!name) return;
    let m = this.expected.get(serviceKey);
    if (!m) this.expected.set(serviceKey, (m = new Map()));
    const rv = rvOf(slice);
    if (deleted) m.set(name, 'deleted');
    else if (rv !== undefined) m.set(name, rv);
  }

  /**
   * True while the cached slices of the Service miss one of our writes.
   * Entries the cache has caught up with are dropped.
   */
  stale(serviceKey: string, cached: EndpointSlice[]): boolean {
    const m = this.expected.get(serviceKey);
    if (!m) return false;
    const byName = new Map(cached.map((s) => [s.metadata!.name!, s]));
    let stale = false;
    for (const [name, want] of m) {
      const have = byName.get(name);
      if (want === 'deleted') {
        if (have && !have.metadata?.deletionTimestamp) stale = true;
        else m.delete(name);
        continue;
      }
      const rv = have ? rvOf(have) : undefined;
      if (rv === undefined || rv < want) stale = true;
      else m.delete(name);
    }
    if (m.size === 0) this.expected.delete(serviceKey);
    return stale;
  }

  /** The informer saw the slice deleted: nothing about it is pending any more. */
  observeDelete(serviceKey: string, name: string): void {
    const m = this.expected.get(serviceKey);
    m?.delete(name);
    if (m?.size === 0) this.expected.delete(serviceKey);
  }

  forget(serviceKey: string): void {
    this.expected.delete(serviceKey);
  }
}
