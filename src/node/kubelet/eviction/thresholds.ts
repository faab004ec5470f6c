/**
 * Eviction thresholds (`--eviction-hard`): parsing, the Linux defaults, and
 * whether an observation crosses one. Only hard thresholds (`<`) exist here.
 */
import { Quantity } from '../../../api/quantity/quantity.js';
import {
  allSignals,
  type PressureCondition,
  type Signal,
  type SignalObservations,
  type StarvedResource,
  type Threshold,
} from './types.js';

/** The kubelet's default `--eviction-hard` on Linux. */
export const defaultEvictionHard =
  'memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%,imagefs.inodesFree<5%';

export const signalCondition: Record<Signal, PressureCondition> = {
  'memory.available': 'MemoryPressure',
  'nodefs.available': 'DiskPressure',
  'nodefs.inodesFree': 'DiskPressure',
  'imagefs.available': 'DiskPressure',
  'imagefs.inodesFree': 'DiskPressure',
  'pid.available': 'PIDPressure',
};

export const signalResource: Record<Signal, StarvedResource> = {
  'memory.available': 'memory',
  'nodefs.available': 'ephemeral-storage',
  'nodefs.inodesFree': 'inodes',
  'imagefs.available': 'ephemeral-storage',
  'imagefs.inodesFree': 'inodes',
  'pid.available': 'pids',
};

/** Parses `signal<value` pairs separated by commas, e.g. `memory.available<100Mi,nodefs.available<10%`. */
export function parseThresholds(spec: string): Threshold[] {
  const out: Threshold[] = [];
  const seen = new Set<string>();
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z.A-Z]+)\s*<\s*(.+)$/.exec(part);
    if (!m) throw new Error(`invalid eviction threshold ${JSON.stringify(part)}: expected <signal><<quantity>`);
    const signal = m[1] as Signal;
    if (!allSignals.includes(signal)) throw new Error(`unsupported eviction signal ${m[1]}`);
    if (seen.has(signal)) throw new Error(`found duplicate eviction threshold for signal ${signal}`);
    seen.add(signal);
    const value = m[2].trim();
    if (value.endsWith('%')) {
      const pct = Number(value.slice(0, -1));
      if (!Number.isFinite(pct) || pct <= 0 || pct > 100) {
        throw new Error(`eviction percentage threshold ${signal} must be positive and at most 100%: ${value}`);
      }
      out.push({ signal, percentage: pct / 100 });
    } else {
      const q = Quantity.tryParse(value);
      if (!q) throw new Error(`invalid eviction threshold quantity for ${signal}: ${value}`);
      if (q.sign() < 0) throw new Error(`eviction threshold ${signal} must be positive: ${value}`);
      out.push({ signal, quantity: Number(q.value()) });
    }
  }
  return out;
}

/** The KubeletConfiguration form, `{ 'memory.available': '100Mi', 'nodefs.available': '10%' }`. */
export function thresholdsFromMap(m: Record<string, string>): Threshold[] {
  return parseThresholds(
    Object.entries(m)
      .map(([signal, value]) => `${signal}<${value}`)
      .join(','),
  );
}

/** The threshold as an absolute amount for a signal with this capacity. */
export function thresholdQuantity(t: Threshold, capacity: number): number {
  return t.quantity ?? Math.floor(capacity * (t.percentage ?? 0));
}

/** Thresholds whose signal is currently below them (unobserved signals never are). */
export function thresholdsMet(thresholds: Threshold[], obs: SignalObservations): Threshold[] {
  return thresholds.filter((t) => {
    const o = obs[t.signal];
    return o !== undefined && o.capacity > 0 && o.available < thresholdQuantity(t, o.capacity);
  });
}

/** Canonical binary quantity text, as the kubelet prints amounts in messages. */
export const formatBytes = (n: number) => Quantity.fromValue(Math.floor(n), 'BinarySI').toString();

/** Text of a threshold's value, e.g. `100Mi` or the computed share of capacity. */
export function thresholdText(t: Threshold, capacity: number): string {
  return formatBytes(thresholdQuantity(t, capacity));
}
