/**
 * Ownership of long-lived handles (DESIGN.md convention 9). Every watch, timer,
 * socket or child process is a Disposable owned by exactly one DisposableStore;
 * disposing the owner releases everything it holds, in reverse order. Tests call
 * `startLeakTracking()` / `assertNoLeaks()` to fail when a handle outlives its test.
 */
export interface Disposable {
  dispose(): void | Promise<void>;
}

export function toDisposable(fn: () => void | Promise<void>): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      return fn();
    },
  };
}

interface Tracked {
  name: string;
  stack: string | undefined;
}

let tracking: Map<object, Tracked> | undefined;

/** Begins recording handles created through `track()` until `assertNoLeaks()`. */
export function startLeakTracking(): void {
  tracking = new Map();
}

/** Records a live handle (no-op unless tracking). Call `untrack` when it is disposed. */
export function track(handle: object, name: string): void {
  tracking?.set(handle, { name, stack: new Error().stack?.split('\n').slice(2, 6).join('\n') });
}

export function untrack(handle: object): void {
  tracking?.delete(handle);
}

/** Names of handles still alive since `startLeakTracking()`. */
export function liveHandles(): string[] {
  return tracking ? [...tracking.values()].map((t) => t.name) : [];
}

/** Throws listing every handle tracked since `startLeakTracking()` and not yet disposed; stops tracking. */
export function assertNoLeaks(): void {
  const left = tracking ? [...tracking.values()] : [];
  tracking = undefined;
  if (left.length > 0) {
    const detail = left.map((t) => `- ${t.name}\n${t.stack ?? ''}`).join('\n');
    throw new Error(`${left.length} handle(s) leaked:\n${detail}`);
  }
}

/** Owns disposables; disposing the store disposes its contents in reverse order of addition. */
export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  private disposed = false;

  constructor(private readonly name = 'DisposableStore') {
    track(this, name);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Adds `d`; if the store is already disposed, `d` is disposed at once. Returns `d`. */
  add<T extends Disposable>(d: T): T {
    if (this.disposed) {
      void Promise.resolve(d.dispose()).catch(() => undefined);
      return d;
    }
    this.items.push(d);
    return d;
  }

  /** Adds a cleanup function. */
  defer(fn: () => void | Promise<void>): Disposable {
    return this.add(toDisposable(fn));
  }

  /** Forgets `d` without disposing it (its ownership moved elsewhere). */
  release(d: Disposable): void {
    const i = this.items.indexOf(d);
    if (i >= 0) this.items.splice(i, 1);
  }

  /** Disposes everything held, newest first; collects errors and throws the first after all ran. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    untrack(this);
    let first: unknown;
    while (this.items.length > 0) {
      const d = this.items.pop()!;
      try {
        await d.dispose();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  toString(): string {
    return this.name;
  }
}
