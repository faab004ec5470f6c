import { type FieldError, FieldPath } from '../../../../api/validation/field-error.js';
import type { Storage } from '../../../storage/interface.js';
import { Reservations } from './reservations.js';

/** IPv4 CIDR helpers (the service CIDR is IPv4 in kubets' defaults). */
export function parseCIDR(cidr: string): { base: number; size: number; bits: number } {
  const [ip, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const parts = (ip ?? '').split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)) || !(bits >= 8 && bits <= 30)) {
    throw new Error(`invalid IPv4 service CIDR ${JSON.stringify(cidr)} (expected e.g. 10.43.0.0/16)`);
  }
  const raw = ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
  const size = 2 ** (32 - bits);
  return { base: raw - (raw % size), size, bits };
}

export const ipToString = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
export function ipToNumber(ip: string): number | undefined {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
}

/** The first usable address of a CIDR: the `kubernetes` Service's ClusterIP. */
export function firstServiceIP(cidr: string): string {
  return ipToString(parseCIDR(cidr).base + 1);
}

/**
 * ClusterIP allocation (upstream `registry/core/service/ipallocator`): random
 * free address in the CIDR excluding network/broadcast, or a requested one if
 * free; errors read like upstream's.
 */
export class ServiceIPAllocator {
  private readonly r: Reservations;
  private readonly range: { base: number; size: number };
  constructor(
    storage: Storage,
    readonly cidr: string,
  ) {
    this.r = new Reservations(storage, '/registry/kubets/serviceips/');
    this.range = parseCIDR(cidr);
  }

  contains(ip: string): boolean {
    const n = ipToNumber(ip);
    return n !== undefined && n > this.range.base && n < this.range.base + this.range.size - 1;
  }

  /** Reserves `ip` (if given) or a random free address. Returns the address or a FieldError. */
  async allocate(owner: string, ip?: string): Promise<string | FieldError> {
    const path = FieldPath.of('spec', 'clusterIPs');
    if (ip) {
      if (!this.contains(ip)) {
        return path.invalid(
          [ip],
          `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`,
        );
      }
      if (!(await this.r.reserve(ip, owner)))
        return path.invalid([ip], `failed to allocate IP ${ip}: provided IP is already allocated`);
      return ip;
    }
    const usable = this.range.size - 2;
    for (let i = 0; i < 64; i++) {
      const candidate = ipToString(this.range.base + 1 + Math.floor(Math.random() * usable));
      if (await this.r.reserve(candidate, owner)) return candidate;
    }
    const taken = new Set(await this.r.all());
    for (let off = 1; off <= usable; off++) {
      const candidate = ipToString(this.range.base + off);
      if (!taken.has(candidate) && (await this.r.reserve(candidate, owner))) return candidate;
    }
    return path.invalid([], `failed to allocate a serviceIP: range is full`);
  }

  release(ip: string): Promise<void> {
    return this.r.release(ip);
  }
}

/** NodePort allocation in 30000-32767 (upstream's default range). */
export class NodePortAllocator {
  private readonly r: Reservations;
  constructor(
    storage: Storage,
    readonly min = 30000,
    readonly max = 32767,
  ) {
    this.r = new Reservations(storage, '/registry/kubets/nodeports/');
  }

  async allocate(owner: string, path: FieldPath, port?: number): Promise<number | FieldError> {
    if (port) {
      if (port < this.min || port > this.max) {
        return path.invalid(
          port,
          `provided port is not in the valid range. The range of valid ports is ${this.min}-${this.max}`,
        );
      }
      if (!(await this.r.reserve(String(port), owner))) return path.invalid(port, 'provided port is already allocated');
      return port;
    }
    const span = this.max - this.min + 1;
    for (let i = 0; i < 64; i++) {
      const candidate = this.min + Math.floor(Math.random() * span);
      if (await this.r.reserve(String(candidate), owner)) return candidate;
    }
    const taken = new Set(await this.r.all());
    for (let p = this.min; p <= this.max; p++) {
      if (!taken.has(String(p)) && (await this.r.reserve(String(p), owner))) return p;
    }
    return path.invalid(0, 'range is full');
  }

  release(port: number): Promise<void> {
    return this.r.release(String(port));
  }
}
