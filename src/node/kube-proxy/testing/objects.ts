import type { Service, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { PortChange } from '../change-tracker.js';
import { ChangeTracker } from '../change-tracker.js';
import type { CommandResult, CommandRunner, RunOptions } from '../runner.js';
import type { EndpointInfo, ProxyNetworkConfig, ServicePortInfo } from '../types.js';

/** Builders for unit tests: Services, slices, and the proxier inputs they turn into. */
export function service(name: string, spec: Partial<ServiceSpec> = {}, namespace = 'ns'): Service {
  return {
    metadata: { namespace, name },
    spec: { type: 'ClusterIP', clusterIP: '10.43.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec },
  };
}

export interface EpSpec {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export function slice(
  svc: string,
  eps: EpSpec[],
  opts: { name?: string; namespace?: string; port?: number; portName?: string; protocol?: 'TCP' | 'UDP' } = {},
): EndpointSlice {
  return {
    metadata: {
      namespace: opts.namespace ?? 'ns',
      name: opts.name ?? `${svc}-abc`,
      labels: { 'kubernetes.io/service-name': svc },
    },
    addressType: 'IPv4',
    ports: [{ name: opts.portName ?? 'http', port: opts.port ?? 8080, protocol: opts.protocol ?? 'TCP' }],
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      nodeName: e.node ?? 'node-1',
      conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
    })),
  };
}

export const testConfig: ProxyNetworkConfig = {
  nodeName: 'node-1',
  clusterCIDR: '10.42.0.0/16',
  serviceCIDR: '10.43.0.0/16',
  nodePortAddresses: [],
  masqueradeAll: false,
  nodeIPs: ['192.168.1.10'],
};

/** The single port of `svc` with `eps`, through the real tracker. */
export function portOf(svc: Service, eps: EpSpec[] = []): { sp: ServicePortInfo; endpoints: readonly EndpointInfo[] } {
  const t = new ChangeTracker('node-1');
  t.onServiceUpsert(svc);
  t.onSliceUpsert(slice(svc.metadata!.name!, eps, { namespace: svc.metadata!.namespace }));
  const c = t.drain()[0]!;
  return c.current!;
}

/** A tracker pre-loaded with objects; `drain()` gives the changes. */
export function trackerWith(objs: (Service | EndpointSlice)[]): ChangeTracker {
  const t = new ChangeTracker('node-1');
  for (const o of objs) {
    if ('addressType' in o) t.onSliceUpsert(o);
    else t.onServiceUpsert(o);
  }
  return t;
}

export type { PortChange };

export interface RecordedCall {
  cmd: string;
  args: readonly string[];
  input?: string;
}

/**
 * A runner that records every command and answers from `respond` (default:
 * success with empty output): the "netfilter at the process edge" fake.
 */
export class FakeRunner implements CommandRunner {
  readonly where = 'fake';
  readonly calls: RecordedCall[] = [];

  constructor(private readonly respond: (call: RecordedCall) => Partial<CommandResult> | undefined = () => undefined) {}

  async run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<CommandResult> {
    const call = { cmd, args, input: opts?.input };
    this.calls.push(call);
    const r = this.respond(call) ?? {};
    return { code: r.code ?? 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Scripts passed on stdin, in order. */
  scripts(): string[] {
    return this.calls.filter((c) => c.input !== undefined).map((c) => c.input!);
  }

  clear(): void {
    this.calls.length = 0;
  }
}
