/**
 * Node-pressure eviction vocabulary (upstream `pkg/kubelet/eviction/api`):
 * eviction signals, thresholds on them, what one observation of the node
 * found, and the pressure conditions the node-status code reports.
 */

export type Signal =
  | 'memory.available'
  | 'nodefs.available'
  | 'nodefs.inodesFree'
  | 'imagefs.available'
  | 'imagefs.inodesFree'
  | 'pid.available';

export const allSignals: readonly Signal[] = [
  'memory.available',
  'nodefs.available',
  'nodefs.inodesFree',
  'imagefs.available',
  'imagefs.inodesFree',
  'pid.available',
];

/** A hard threshold `<signal> < value`: an absolute quantity or a percentage of the signal's capacity. */
export interface Threshold {
  signal: Signal;
  /** Absolute amount (bytes, inodes or PIDs), or undefined when `percentage` is used. */
  quantity?: number;
  /** Fraction of capacity in (0, 1]. */
  percentage?: number;
}

/** One measured signal: what is left and the total. */
export interface SignalObservation {
  available: number;
  capacity: number;
  /** ms since the epoch */
  time: number;
}

export type SignalObservations = Partial<Record<Signal, SignalObservation>>;

/** The resource a signal protects; its name appears in eviction messages. */
export type StarvedResource = 'memory' | 'ephemeral-storage' | 'inodes' | 'pids';

export type PressureCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';

export interface Observation {
  signals: SignalObservations;
  /** Thresholds whose signal is below them right now. */
  thresholdsMet: Threshold[];
  /** Pressure conditions to report (held for the transition period after the thresholds clear). */
  conditions: Record<PressureCondition, boolean>;
  /** ms since the epoch */
  time: number;
}

/** What the node-status code reads to set the pressure conditions (and the scheduler taints follow them). */
export interface PressureConditions {
  isUnderMemoryPressure(): boolean;
  isUnderDiskPressure(): boolean;
  isUnderPIDPressure(): boolean;
}

/** Measures the signals; absent ones (e.g. no separate image filesystem) are simply not reported. */
export interface SignalSource {
  observe(): SignalObservations;
}
