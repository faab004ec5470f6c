/**
 * Facts about the machine the node reports (what cAdvisor gives the kubelet):
 * logical CPUs, memory, the filesystem holding the kubelet's data, the PID
 * limit, and the identifiers in nodeInfo. Each can be overridden (tests,
 * hollow nodes); unreadable sources degrade to empty identifiers rather than
 * failing registration.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import type { HostOverrides } from '../config.js';

export type HostInfo = HostOverrides;

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function memTotal(): number {
  const m = /^MemTotal:\s+(\d+) kB$/m.exec(read('/proc/meminfo'));
  return m ? Number(m[1]) * 1024 : totalmem();
}

function fsCapacity(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.blocks * s.bsize;
  } catch {
    return 0;
  }
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(read('/etc/os-release'));
  return m?.[1] ?? 'Linux';
}

export function readHostInfo(dataDir: string, o: Partial<HostOverrides> = {}): HostInfo {
  return {
    cpuCores: o.cpuCores ?? cpus().length,
    memoryBytes: o.memoryBytes ?? memTotal(),
    ephemeralStorageBytes: o.ephemeralStorageBytes ?? fsCapacity(dataDir),
    maxPids: o.maxPids ?? (Number(read('/proc/sys/kernel/pid_max')) || 32768),
    machineID: o.machineID ?? read('/etc/machine-id'),
    systemUUID: o.systemUUID ?? read('/sys/class/dmi/id/product_uuid').toLowerCase(),
    bootID: o.bootID ?? read('/proc/sys/kernel/random/boot_id'),
    kernelVersion: o.kernelVersion ?? release(),
    osImage: o.osImage ?? osImage(),
  };
}
