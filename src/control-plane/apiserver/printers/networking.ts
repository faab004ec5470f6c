import type { Endpoints, LoadBalancerStatus, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { ageColumn, column, docColumn, nameColumn, printer, wide } from './columns.js';
import { age, formatLabels, formatLabelSelector, joinHostPort, listWithMore, nameOf, sortedSet } from './format.js';

/**
 * Services and traffic routing (upstream `printService`, `printEndpoints`,
 * `printEndpointSlice`, `printIngress`, `printIngressClass`,
 * `printNetworkPolicy`, `printServiceCIDR`, `printIPAddress`). The server prints
 * "wide", so load-balancer addresses are never clipped to 16 characters.
 */

/** `loadBalancerStatusStringer(s, wide=true)`: IPs (else hostnames), sorted and de-duplicated. */
function loadBalancerAddresses(s: LoadBalancerStatus | undefined): string {
  return sortedSet((s?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((a) => a !== '')).join(',');
}

/** EXTERNAL-IP by service type; `<pending>` for a load balancer not yet provisioned. */
export function serviceExternalIP(svc: Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer);
      if (externalIPs.length) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
  }
  return '<unknown>';
}

/** PORT(S): `80/TCP`, `80:30080/TCP` with a node port, joined by `,`; `<none>` without ports. */
export function servicePorts(svc: Service): string {
  const pieces = (svc.spec?.ports ?? []).map((p) =>
    p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`,
  );
  return pieces.length ? pieces.join(',') : '<none>';
}

export const servicePrinter = printer(
  [
    nameColumn,
    docColumn('Type', 'string', 'ServiceSpec.type'),
    docColumn('Cluster-IP', 'string', 'ServiceSpec.clusterIP'),
    docColumn('External-IP', 'string', 'ServiceSpec.externalIPs'),
    docColumn('Port(s)', 'string', 'ServiceSpec.ports'),
    ageColumn,
    wide(docColumn('Selector', 'string', 'ServiceSpec.selector')),
  ],
  (obj: Service, now) => [
    nameOf(obj),
    obj.spec?.type ?? '',
    obj.spec?.clusterIPs?.[0] ?? '<none>',
    serviceExternalIP(obj),
    servicePorts(obj),
    age(obj, now),
    formatLabels(obj.spec?.selector),
  ],
);

/**
 * `formatEndpoints(ep, nil)`: up to three `ip:port` (or bare IPs for port-less
 * subsets), then `+ N more...`; `<none>` without subsets.
 */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, port.port));
      }
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - max} more...` : joined;
}

export const endpointsPrinter = printer(
  [nameColumn, docColumn('Endpoints', 'string', 'Endpoints.subsets'), ageColumn],
  (obj: Endpoints, now) => [nameOf(obj), formatEndpoints(obj), age(obj, now)],
);

/** Collects up to three strings and counts all of them (the EndpointSlice/StorageVersion lists). */
function firstThree(values: string[]): string {
  const max = 3;
  return listWithMore(values.slice(0, max), values.length > max, values.length, max);
}

export const endpointSlicePrinter = printer(
  [
    nameColumn,
    docColumn('AddressType', 'string', 'EndpointSlice.addressType'),
    docColumn('Ports', 'string', 'EndpointSlice.ports'),
    docColumn('Endpoints', 'string', 'EndpointSlice.endpoints'),
    ageColumn,
  ],
  (obj: EndpointSlice, now) => {
    // A port without a number matches every port (`*`) unless it is named.
    const ports = (obj.ports ?? []).map((p) => (p.port != null ? String(p.port) : (p.name ?? '*')));
    const addresses = (obj.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [nameOf(obj), obj.addressType ?? '', firstThree(ports), firstThree(addresses), age(obj, now)];
  },
);

/** `formatHosts`: the first three hosts, then `+ N more...` counting every rule; `*` for none. */
function formatHosts(rules: readonly { host?: string }[]): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const joined = list.join(',');
  return more ? `${joined} + ${rules.length - max} more...` : joined;
}

export const ingressPrinter = printer(
  [
    nameColumn,
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn,
  ],
  (obj: Ingress, now) => [
    nameOf(obj),
    obj.spec?.ingressClassName ?? '<none>',
    formatHosts(obj.spec?.rules ?? []),
    loadBalancerAddresses(obj.status?.loadBalancer),
    obj.spec?.tls?.length ? '80, 443' : '80',
    age(obj, now),
  ],
);

export const ingressClassPrinter = printer(
  [
    nameColumn,
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn,
  ],
  (obj: IngressClass, now) => {
    const p = obj.spec?.parameters;
    let parameters = '<none>';
    if (p) parameters = `${p.kind}${p.apiGroup != null ? `.${p.apiGroup}` : ''}/${p.name}`;
    return [nameOf(obj), obj.spec?.controller ?? '', parameters, age(obj, now)];
  },
);

export const networkPolicyPrinter = printer(
  [nameColumn, docColumn('Pod-Selector', 'string', 'NetworkPolicySpec.podSelector'), ageColumn],
  // podSelector is not a pointer upstream: absent means the empty selector.
  (obj: NetworkPolicy, now) => [nameOf(obj), formatLabelSelector(obj.spec?.podSelector ?? {}), age(obj, now)],
);

export const serviceCIDRPrinter = printer(
  [nameColumn, docColumn('CIDRs', 'string', 'ServiceCIDRSpec.cidrs'), ageColumn],
  (obj: { metadata?: any; spec?: { cidrs?: string[] } }, now) => [
    nameOf(obj),
    (obj.spec?.cidrs ?? []).join(','),
    age(obj, now),
  ],
);

interface IPAddressLike {
  metadata?: any;
  spec?: { parentRef?: { group?: string; resource?: string; namespace?: string; name?: string } };
}

export const ipAddressPrinter = printer(
  // Upstream declares no Age column here; the age cell it appends anyway is dropped
  // (kubectl ignores cells beyond the columns), keeping one cell per column.
  [nameColumn, docColumn('ParentRef', 'string', 'IPAddressSpec.parentRef')],
  (obj: IPAddressLike) => {
    const ref = obj.spec?.parentRef;
    let parent = '<none>';
    if (ref) {
      const gr = ref.group ? `${ref.resource ?? ''}.${ref.group}` : (ref.resource ?? '');
      parent = gr.toLowerCase();
      if (ref.namespace) parent += `/${ref.namespace}`;
      parent += `/${ref.name ?? ''}`;
    }
    return [nameOf(obj), parent];
  },
);
