/**
 * Plugin outcomes as values (DESIGN.md convention 3, kube-scheduler
 * `framework/interface.go`). `null` stands for Success everywhere a plugin
 * returns `Status | null`, so the hot path allocates nothing for a pass.
 */
export enum Code {
  Success = 0,
  /** An internal error: the pod goes to the backoff queue, reason SchedulerError. */
  Error = 1,
  /** Rejected; preemption (PostFilter) may help. */
  Unschedulable = 2,
  /** Rejected; preemption cannot help on this node. */
  UnschedulableAndUnresolvable = 3,
  /** Permit only: the pod waits until allowed, rejected or timed out. */
  Wait = 4,
  /** PreFilter/PreScore: the plugin has nothing to do for this pod; its Filter/Score is skipped. */
  Skip = 5,
  /** Rejected until an event the plugin registered for happens (no backoff). */
  Pending = 6,
}

const codeNames = ['Success', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Wait', 'Skip', 'Pending'];

export function codeName(code: Code): string {
  return codeNames[code] ?? `Code(${code})`;
}

export class Status {
  /** The plugin that produced the status; set by the runtime. */
  plugin: string;

  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    plugin = '',
    readonly error?: Error,
  ) {
    this.plugin = plugin;
  }

  static of(code: Code, ...reasons: string[]): Status {
    return new Status(code, reasons);
  }

  /** An Error status carrying `err`'s message as its reason (upstream AsStatus). */
  static fromError(err: unknown, plugin = ''): Status {
    const e = err instanceof Error ? err : new Error(String(err));
    return new Status(Code.Error, [e.message], plugin, e);
  }

  /** The reasons joined by ", " (upstream Status.Message). */
  message(): string {
    return this.reasons.join(', ');
  }

  isSuccess(): boolean {
    return this.code === Code.Success;
  }
  isWait(): boolean {
    return this.code === Code.Wait;
  }
  isSkip(): boolean {
    return this.code === Code.Skip;
  }
  /** Unschedulable, UnschedulableAndUnresolvable or Pending. */
  isRejected(): boolean {
    return (
      this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable || this.code === Code.Pending
    );
  }

  /** A copy attributed to `plugin` (statuses may be shared constants, so never mutate those). */
  withPlugin(plugin: string): Status {
    return new Status(this.code, this.reasons, plugin, this.error);
  }

  withError(error: Error): Status {
    return new Status(this.code, this.reasons.length ? this.reasons : [error.message], this.plugin, error);
  }

  /** The error this status stands for (upstream AsError). */
  asError(): Error {
    const msg = this.message();
    if (this.error && (this.error.message === msg || !msg)) return this.error;
    return this.error ? new Error(msg, { cause: this.error }) : new Error(msg);
  }

  toString(): string {
    return `${codeName(this.code)}${this.reasons.length ? `: ${this.message()}` : ''}`;
  }
}

export function isSuccess(s: Status | null | undefined): boolean {
  return s == null || s.code === Code.Success;
}

export function codeOf(s: Status | null | undefined): Code {
  return s == null ? Code.Success : s.code;
}

export function isRejected(s: Status | null | undefined): boolean {
  return s != null && s.isRejected();
}
