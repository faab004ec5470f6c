import type { Service, ServicePort, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ResourceClient } from '../../../client/resource-client.js';
import { gvr } from '../../../client/resource-path.js';
import type { RestClient } from '../../../client/rest-client.js';

/**
 * Services without selectors plus hand-written EndpointSlices: the proxy's
 * whole input, created through the API so the tests exercise the informers
 * too. The slices are labelled as managed by the test, so no controller
 * touches them.
 */
export interface EndpointSpec {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export class ApiFixtures {
  readonly services: ResourceClient<Service>;
  readonly slices: ResourceClient<EndpointSlice>;

  constructor(
    rest: RestClient,
    readonly namespace = 'default',
  ) {
    this.services = new ResourceClient<Service>(rest, gvr('', 'v1', 'services'), namespace);
    this.slices = new ResourceClient<EndpointSlice>(rest, gvr('discovery.k8s.io', 'v1', 'endpointslices'), namespace);
  }

  async createService(name: string, spec: Partial<ServiceSpec> & { ports: ServicePort[] }): Promise<Service> {
    return this.services.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { type: 'ClusterIP', ...spec },
    });
  }

  /** Creates or replaces the slice `<service>-test` with these endpoints on `ports`. */
  async setEndpoints(
    service: string,
    endpoints: EndpointSpec[],
    ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }[],
  ): Promise<EndpointSlice> {
    const name = `${service}-test`;
    const body: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name,
        labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'kubets-test' },
      },
      addressType: 'IPv4',
      ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
      endpoints: endpoints.map((e): Endpoint => ({
        addresses: [e.ip],
        nodeName: e.node,
        conditions: {
          ready: e.ready ?? true,
          serving: e.serving ?? e.ready ?? true,
          terminating: e.terminating ?? false,
        },
      })),
    };
    try {
      const cur = await this.slices.get(name);
      return await this.slices.update({
        ...body,
        metadata: { ...body.metadata, resourceVersion: cur.metadata?.resourceVersion },
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      return this.slices.create(body);
    }
  }

  /** Sets status.loadBalancer.ingress (what a cloud controller would do). */
  async setLoadBalancerIPs(service: string, ips: string[]): Promise<Service> {
    return this.services.patch(
      service,
      'merge',
      { status: { loadBalancer: { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } } },
      { subresource: 'status' },
    );
  }
}

/** `namespace/name:port/PROTO`, the proxy's key for a service port. */
export function portKey(namespace: string, service: string, portName = '', protocol = 'TCP'): string {
  return `${namespace}/${service}:${portName}/${protocol}`;
}
