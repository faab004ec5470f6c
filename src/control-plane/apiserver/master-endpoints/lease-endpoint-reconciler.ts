import { applyDefaults } from '../../../api/defaults/apply-defaults.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../../api/errors/status-error.js';
import { type Clock, type Timer, realClock } from '../../../lib/clock.js';
import type { Disposable } from '../../../lib/disposable.js';
import { type Logger, nullLogger } from '../../../lib/log.js';
import { isStorageError, type Storage } from '../../storage/interface.js';
import type { ApiServerCore } from '../api-server-core.js';
import { systemContext } from '../bootstrap.js';
import type { KubeObject } from '../watch-cache/types.js';

export interface LeaseEndpointReconcilerOptions {
  server: ApiServerCore;
  storage: Storage;
  /** This API server's advertised IP and secure port. */
  ip: string;
  port: number;
  /** Lifetime of this server's lease key (upstream 15 s). */
  ttlSeconds?: number;
  /** How often the lease is renewed and the endpoints reconciled (upstream 10 s). */
  intervalMs?: number;
  clock?: Clock;
  log?: Logger;
}

/** Where API servers keep their liveness keys (upstream `/masterleases/` under the storage prefix). */
export const masterLeasesPrefix = '/registry/masterleases/';

/**
 * The `kubernetes` Service's endpoints for several API servers (upstream
 * `reconcilers/lease.go`, the default `--endpoint-reconciler-type=lease`):
 * every server keeps a key `/registry/masterleases/<ip>` alive with a TTL and
 * sets the `kubernetes` Endpoints and EndpointSlice to the sorted IPs of all
 * live keys. A server that dies stops renewing, its key expires, and the next
 * reconcile of any other server drops its address. On shutdown a server
 * removes its key first. It never writes an empty address list (upstream
 * refuses to erase all endpoints too).
 */
export class LeaseEndpointReconciler implements Disposable {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ttl: number;
  private timer: Timer | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: LeaseEndpointReconcilerOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? nullLogger;
    this.ttl = o.ttlSeconds ?? 15;
  }

  private get key(): string {
    return `${masterLeasesPrefix}${this.o.ip}`;
  }

  /** Reconciles once now, then every interval. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = this.clock.setInterval(() => void this.tick(), this.o.intervalMs ?? 10_000);
  }

  private tick(): Promise<void> {
    // One round at a time; a slow round delays the next instead of overlapping it.
    this.running = this.running.then(async () => {
      if (this.stopped) return;
      try {
        await this.renewLease();
        await this.reconcile();
      } catch (err) {
        this.log.warn('reconciling the kubernetes endpoints failed', { err });
      }
    });
    return this.running;
  }

  private async renewLease(): Promise<void> {
    const value = new TextEncoder().encode(
      JSON.stringify({
        kind: 'Endpoints',
        apiVersion: 'v1',
        metadata: { name: this.o.ip },
        subsets: [{ addresses: [{ ip: this.o.ip }] }],
      }),
    );
    const s = this.o.storage;
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await s.get(this.key);
      try {
        if (cur) await s.update(this.key, value, cur.modRevision, { ttlSeconds: this.ttl });
        else await s.create(this.key, value, { ttlSeconds: this.ttl });
        return;
      } catch (err) {
        if (
          !isStorageError(err, 'Conflict') &&
          !isStorageError(err, 'KeyExists') &&
          !isStorageError(err, 'KeyNotFound')
        )
          throw err;
      }
    }
  }

  /** The IPs of every API server whose lease is alive, sorted. */
  async liveServers(): Promise<string[]> {
    const list = await this.o.storage.list(masterLeasesPrefix);
    return list.items.map((kv) => kv.key.slice(masterLeasesPrefix.length)).sort();
  }

  /** Points the `kubernetes` Endpoints and EndpointSlice at the live servers. */
  async reconcile(): Promise<void> {
    const ips = await this.liveServers();
    if (ips.length === 0) return;
    const port = this.o.port;
    const subsets = [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] }];
    await this.upsert('', 'v1', 'endpoints', (cur) => {
      if (cur && JSON.stringify(cur.subsets) === JSON.stringify(subsets)) return undefined;
      const next = cur ?? {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: {
          name: 'kubernetes',
          namespace: 'default',
          labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
        },
      };
      return { ...next, subsets };
    });
    const endpoints = ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } }));
    const ports = [{ name: 'https', port, protocol: 'TCP' }];
    await this.upsert('discovery.k8s.io', 'v1', 'endpointslices', (cur) => {
      if (
        cur &&
        JSON.stringify(cur.endpoints) === JSON.stringify(endpoints) &&
        JSON.stringify(cur.ports) === JSON.stringify(ports)
      )
        return undefined;
      const next = cur ?? {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'kubernetes',
          namespace: 'default',
          labels: {
            'kubernetes.io/service-name': 'kubernetes',
            'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io',
          },
        },
        addressType: 'IPv4',
      };
      return { ...next, endpoints, ports };
    });
  }

  /** Creates or updates `default/kubernetes` of a resource; `build` returns undefined when nothing changes. */
  private async upsert(
    group: string,
    version: string,
    plural: string,
    build: (cur: KubeObject | undefined) => KubeObject | undefined,
  ): Promise<void> {
    const r = this.o.server.resource(group, version, plural);
    if (!r) return;
    const current = await r.store.getFromStorage('default', 'kubernetes');
    if (!current) {
      const obj = build(undefined)!;
      applyDefaults(group, r.info.kind, obj, version);
      try {
        await r.store.create(systemContext(), 'default', r.converter.toStorage(obj));
        return;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
    try {
      await r.store.update(systemContext(), 'default', 'kubernetes', (cur) => {
        const next = build(structuredClone(cur!));
        return next ?? cur!;
      });
    } catch (err) {
      // Another server reconciled at the same moment: the next round converges.
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }

  /** Stops renewing, removes this server's lease and reconciles without it (best effort). */
  async dispose(): Promise<void> {
    if (this.stopped) return;
    this.timer?.cancel();
    await this.running;
    this.stopped = true;
    try {
      await this.o.storage.delete(this.key);
      await this.reconcile();
    } catch (err) {
      if (!isStorageError(err, 'KeyNotFound')) this.log.warn('removing this API server from the endpoints', { err });
    }
  }
}
