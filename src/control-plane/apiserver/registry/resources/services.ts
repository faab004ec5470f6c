import { invalid } from '../../../../api/errors/status-error.js';
import { type FieldError, FieldPath } from '../../../../api/validation/field-error.js';
import type { ResourceInfo } from '../../../../api/scheme/types.js';
import type { RequestContext } from '../../types.js';
import type { KubeObject } from '../../watch-cache/types.js';
import { defaultStrategy } from '../default-strategy.js';
import type { ResourceStrategy } from '../strategy.js';
import type { NodePortAllocator, ServiceIPAllocator } from './service-allocators.js';

interface ServicePort {
  port: number;
  protocol?: string;
  nodePort?: number;
}
interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  ports?: ServicePort[];
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  allocateLoadBalancerNodePorts?: boolean;
}

const specOf = (o: KubeObject) => (o.spec ??= {}) as ServiceSpec;
const needsClusterIP = (s: ServiceSpec) => s.type !== 'ExternalName' && s.clusterIP !== 'None';
const needsNodePorts = (s: ServiceSpec) =>
  s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
const needsHealthCheck = (s: ServiceSpec) => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
const portKey = (p: ServicePort) => `${p.port}/${p.protocol ?? 'TCP'}`;

function fail(obj: KubeObject, err: FieldError): never {
  throw invalid({ group: '', kind: 'Service' }, String(obj.metadata.name ?? ''), [err]);
}

/**
 * Services: ClusterIP and NodePort allocation on create and when the type
 * changes, release on delete; every reservation is undone if the write does
 * not happen (validation failure, conflict, dry run).
 */
export function serviceStrategy(
  info: ResourceInfo,
  ips: ServiceIPAllocator,
  ports: NodePortAllocator,
): ResourceStrategy {
  const owner = (o: KubeObject) => `${String(o.metadata.namespace)}/${String(o.metadata.name)}`;

  async function allocateIP(ctx: RequestContext, obj: KubeObject): Promise<void> {
    const spec = specOf(obj);
    if (!needsClusterIP(spec)) {
      if (spec.clusterIP === 'None') {
        spec.clusterIPs = ['None'];
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
      } else {
        delete spec.clusterIPs;
        delete spec.ipFamilies;
        delete spec.ipFamilyPolicy;
      }
      return;
    }
    const requested = spec.clusterIP || spec.clusterIPs?.[0] || undefined;
    const got = ctx.tx?.dryRun ? (requested ?? '') : await ips.allocate(owner(obj), requested);
    if (typeof got !== 'string') fail(obj, got);
    if (got) ctx.tx?.onAbort(() => ips.release(got));
    spec.clusterIP = got || requested || '';
    spec.clusterIPs = spec.clusterIP ? [spec.clusterIP] : [];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }

  async function allocatePorts(ctx: RequestContext, obj: KubeObject, old?: KubeObject): Promise<void> {
    const spec = specOf(obj);
    const oldSpec = old ? specOf(old) : undefined;
    const oldPorts = new Map<string, number>();
    if (oldSpec && needsNodePorts(oldSpec))
      for (const p of oldSpec.ports ?? []) if (p.nodePort) oldPorts.set(portKey(p), p.nodePort);
    const kept = new Set<number>();
    if (needsNodePorts(spec)) {
      for (const [i, p] of (spec.ports ?? []).entries()) {
        const path = FieldPath.of('spec', 'ports').index(i).child('nodePort');
        const previous = oldPorts.get(portKey(p));
        if (p.nodePort && p.nodePort === previous) {
          kept.add(p.nodePort);
          continue;
        }
        if (!p.nodePort && previous) {
          p.nodePort = previous;
          kept.add(previous);
          continue;
        }
        if (ctx.tx?.dryRun) continue;
        const got = await ports.allocate(owner(obj), path, p.nodePort);
        if (typeof got !== 'number') fail(obj, got);
        ctx.tx?.onAbort(() => ports.release(got));
        p.nodePort = got;
      }
    } else {
      for (const p of spec.ports ?? []) delete p.nodePort;
    }
    for (const np of oldPorts.values()) if (!kept.has(np)) ctx.tx?.onCommit(() => ports.release(np));
  }

  /**
   * healthCheckNodePort of LoadBalancer Services with externalTrafficPolicy
   * Local, from the NodePort range (upstream allocHealthCheckNodePort): the
   * requested one or a free one on create or when the Service starts to need
   * it, kept while it does (immutable), released when it no longer does.
   */
  async function allocateHealthCheck(ctx: RequestContext, obj: KubeObject, old?: KubeObject): Promise<void> {
    const spec = specOf(obj);
    const oldSpec = old ? specOf(old) : undefined;
    const previous = oldSpec && needsHealthCheck(oldSpec) ? oldSpec.healthCheckNodePort : undefined;
    if (!needsHealthCheck(spec)) {
      if (previous) {
        if (spec.healthCheckNodePort === previous) delete spec.healthCheckNodePort;
        ctx.tx?.onCommit(() => ports.release(previous));
      }
      return;
    }
    if (previous) {
      // Immutable while needed: validation refuses a different value.
      spec.healthCheckNodePort ||= previous;
      return;
    }
    if (ctx.tx?.dryRun) return;
    const got = await ports.allocate(
      owner(obj),
      FieldPath.of('spec', 'healthCheckNodePort'),
      spec.healthCheckNodePort || undefined,
    );
    if (typeof got !== 'number') fail(obj, got);
    ctx.tx?.onAbort(() => ports.release(got));
    spec.healthCheckNodePort = got;
  }

  return defaultStrategy(info, {
    async afterPrepareCreate(ctx, obj) {
      obj.status = { loadBalancer: {} };
      await allocateIP(ctx, obj);
      await allocatePorts(ctx, obj);
      await allocateHealthCheck(ctx, obj);
    },
    async afterPrepareUpdate(ctx, obj, old) {
      const spec = specOf(obj);
      const oldSpec = specOf(old);
      if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
        const ip = oldSpec.clusterIP;
        if (ip) ctx.tx?.onCommit(() => ips.release(ip));
        if (spec.type === 'ExternalName') {
          delete spec.clusterIP;
          delete spec.clusterIPs;
          delete spec.ipFamilies;
          delete spec.ipFamilyPolicy;
        }
      } else if (!needsClusterIP(oldSpec) && needsClusterIP(spec)) {
        await allocateIP(ctx, obj);
      } else if (needsClusterIP(spec)) {
        // ClusterIP is immutable; an update that omits it keeps the allocated one.
        spec.clusterIP ||= oldSpec.clusterIP;
        if (!spec.clusterIPs || spec.clusterIPs.length === 0) spec.clusterIPs = oldSpec.clusterIPs;
        spec.ipFamilies ??= oldSpec.ipFamilies;
        spec.ipFamilyPolicy ??= oldSpec.ipFamilyPolicy;
      }
      await allocatePorts(ctx, obj, old);
      await allocateHealthCheck(ctx, obj, old);
    },
    async afterDelete(obj) {
      const spec = specOf(obj);
      if (needsClusterIP(spec) && spec.clusterIP) await ips.release(spec.clusterIP);
      for (const p of spec.ports ?? []) if (p.nodePort) await ports.release(p.nodePort);
      if (needsHealthCheck(spec) && spec.healthCheckNodePort) await ports.release(spec.healthCheckNodePort);
    },
  });
}
