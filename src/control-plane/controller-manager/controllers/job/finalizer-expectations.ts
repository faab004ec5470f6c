/**
 * Pod UIDs whose tracking-finalizer removal a Job's sync has sent but the pod
 * informer has not yet shown (upstream uidTrackingExpectations). While a UID
 * is expected, its pod counts as already accounted for, so a stale cache
 * never counts a pod twice.
 */
export class FinalizerExpectations {
  private readonly store = new Map<string, Set<string>>();

  /** The UIDs still expected for `jobKey` (a copy). */
  expectedUIDs(jobKey: string): Set<string> {
    return new Set(this.store.get(jobKey));
  }

  expectFinalizersRemoved(jobKey: string, uids: readonly string[]): void {
    const set = this.store.get(jobKey) ?? new Set<string>();
    for (const u of uids) set.add(u);
    this.store.set(jobKey, set);
  }

  /** The pod was seen without the finalizer (or gone), or the removal failed and will not be seen. */
  finalizerRemovalObserved(jobKey: string, uid: string): void {
    const set = this.store.get(jobKey);
    if (!set) return;
    set.delete(uid);
    if (set.size === 0) this.store.delete(jobKey);
  }

  deleteExpectations(jobKey: string): void {
    this.store.delete(jobKey);
  }
}
