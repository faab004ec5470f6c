import type { EndpointAddress, EndpointPort, Endpoints, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { list, obj, str } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { isDualStackPair, validateCIDR, validateIP, validateNonSpecialIP } from './formats.js';
import { validateLabels } from './label-selector.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isIPv6,
  isQualifiedName,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSSubdomain,
} from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { supportedPortProtocols } from './pod-containers.js';
import { validatePortNumOrName } from './pod-probes.js';

/**
 * Services and Endpoints. Cluster IPs, node ports and health check ports are
 * allocated before validation (upstream's BeginCreate), so the allocator owns
 * range checks; validation checks shape, consistency and immutability.
 */
const spec = FieldPath.of('spec');
const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const maxClientIPAffinitySeconds = 86400;

function isHeadless(s: Service): boolean {
  const ips = list(s.spec?.clusterIPs);
  return ips.length === 1 && ips[0] === 'None';
}
const externallyAccessible = (s: Service) =>
  s.spec?.type === 'LoadBalancer' ||
  s.spec?.type === 'NodePort' ||
  (s.spec?.type === 'ClusterIP' && list(s.spec?.externalIPs).length > 0);
const needsHealthCheck = (s: Service) => s.spec?.type === 'LoadBalancer' && s.spec?.externalTrafficPolicy === 'Local';

function validateServicePort(sp: ServicePort, requireName: boolean, names: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(sp.name);
  if (requireName && !name) errs.push(path.child('name').required());
  else if (name) {
    errs.push(...isDNS1123Label(name).map((m) => path.child('name').invalid(name, m)));
    if (names.has(name)) errs.push(path.child('name').duplicate(name));
    else names.add(name);
  }
  errs.push(...isValidPortNum(sp.port ?? 0).map((m) => path.child('port').invalid(sp.port ?? 0, m)));
  const protocol = str(sp.protocol);
  if (!protocol) errs.push(path.child('protocol').required());
  else if (!supportedPortProtocols.includes(protocol))
    errs.push(path.child('protocol').notSupported(protocol, supportedPortProtocols));
  errs.push(...validatePortNumOrName(sp.targetPort, path.child('targetPort')));
  if (sp.appProtocol !== undefined && sp.appProtocol !== null)
    errs.push(...isQualifiedName(sp.appProtocol).map((m) => path.child('appProtocol').invalid(sp.appProtocol, m)));
  return errs;
}

/** ValidateServiceClusterIPsRelatedFields: clusterIP/clusterIPs agree, families and policy are valid. */
function validateClusterIPs(s: Service): FieldError[] {
  if (s.spec?.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const clusterIP = str(s.spec?.clusterIP);
  const ips = list(s.spec?.clusterIPs).map(str);
  const ipsPath = spec.child('clusterIPs');
  if (clusterIP) {
    if (ips.length === 0) errs.push(ipsPath.required());
    else if (ips[0] !== clusterIP) errs.push(ipsPath.invalid(ips, 'first value must match `clusterIP`'));
  } else if (ips.length) {
    errs.push(ipsPath.invalid(ips, 'must be empty when `clusterIP` is not specified'));
  }
  const families = list(s.spec?.ipFamilies);
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(spec.child('ipFamilies').index(i).notSupported(f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(spec.child('ipFamilies').index(i).duplicate(f));
    seen.add(f);
  });
  const policy = s.spec?.ipFamilyPolicy;
  const policies = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
  if (policy !== undefined && policy !== null && !policies.includes(policy))
    errs.push(spec.child('ipFamilyPolicy').notSupported(policy, policies));
  let invalid = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        invalid = true;
        errs.push(ipsPath.invalid(ips, "'None' must be the first and only value"));
      }
      return;
    }
    const e = validateIP(ipsPath.index(i), ip);
    if (e.length) invalid = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(ipsPath.invalid(ips, 'may only hold up to 2 values'));
  if (invalid) return errs;
  if (ips.length > 1 && !isDualStackPair(ips[0]!, ips[1]!))
    errs.push(ipsPath.invalid(ips, 'may specify no more than one IP for each IP family'));
  if (!isHeadless(s)) {
    ips.forEach((ip, i) => {
      const fam = families[i];
      if (fam === 'IPv4' && isIPv6(ip))
        errs.push(ipsPath.index(i).invalid(ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (fam === 'IPv6' && !isIPv6(ip))
        errs.push(ipsPath.index(i).invalid(ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

export function validateService(s: Service): FieldError[] {
  const meta = FieldPath.of('metadata');
  const errs = validateObjectMeta(s.metadata, true, nameIsDNS1035Label, meta);
  const sp = s.spec ?? {};
  const type = str(sp.type);
  const ports = list(sp.ports);
  const headless = isHeadless(s);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(spec.child('ports').required());
  if (type === 'LoadBalancer' && headless)
    errs.push(spec.child('clusterIPs').index(0).invalid('None', "may not be set to 'None' for LoadBalancer services"));
  if (type === 'NodePort' && headless)
    errs.push(spec.child('clusterIPs').index(0).invalid('None', "may not be set to 'None' for NodePort services"));
  if (type === 'ExternalName') {
    if (list(sp.clusterIPs).length)
      errs.push(spec.child('clusterIPs').forbidden('may not be set for ExternalName services'));
    if (list(sp.ipFamilies).length)
      errs.push(spec.child('ipFamilies').forbidden('may not be set for ExternalName services'));
    if (sp.ipFamilyPolicy !== undefined && sp.ipFamilyPolicy !== null)
      errs.push(spec.child('ipFamilyPolicy').forbidden('may not be set for ExternalName services'));
    const cname = str(sp.externalName).replace(/\.$/, '');
    if (cname) errs.push(...isDNS1123Subdomain(cname).map((m) => spec.child('externalName').invalid(cname, m)));
    else errs.push(spec.child('externalName').required());
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, spec.child('ports').index(i))));
  if (sp.selector) errs.push(...validateLabels(sp.selector, spec.child('selector')));
  const affinity = str(sp.sessionAffinity);
  if (!affinity) errs.push(spec.child('sessionAffinity').required());
  else if (affinity !== 'ClientIP' && affinity !== 'None')
    errs.push(spec.child('sessionAffinity').notSupported(affinity, ['ClientIP', 'None']));
  const sac = spec.child('sessionAffinityConfig');
  if (affinity === 'ClientIP') {
    const when = 'when session affinity type is ClientIP';
    const timeout = sp.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (!sp.sessionAffinityConfig) errs.push(sac.required(when));
    else if (!sp.sessionAffinityConfig.clientIP) errs.push(sac.child('clientIP').required(when));
    else if (timeout === undefined || timeout === null)
      errs.push(sac.child('clientIP', 'timeoutSeconds').required(when));
    else if (timeout <= 0 || timeout > maxClientIPAffinitySeconds)
      errs.push(
        sac
          .child('clientIP', 'timeoutSeconds')
          .invalid(timeout, `must be greater than 0 and less than ${maxClientIPAffinitySeconds}`),
      );
  } else if (affinity === 'None' && sp.sessionAffinityConfig) {
    errs.push(sac.forbidden('must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPs(s));
  list(sp.externalIPs).forEach((ip, i) => {
    const p = spec.child('externalIPs').index(i);
    const e = validateIP(p, ip);
    errs.push(...(e.length ? e : validateNonSpecialIP(p, ip)));
  });
  if (!type) errs.push(spec.child('type').required());
  else if (!serviceTypes.includes(type)) errs.push(spec.child('type').notSupported(type, serviceTypes));
  if (type === 'ClusterIP')
    ports.forEach((p, i) => {
      if (p.nodePort)
        errs.push(
          spec.child('ports').index(i).child('nodePort').forbidden("may not be used when `type` is 'ClusterIP'"),
        );
    });
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const pp = spec.child('ports').index(i);
    if (p.nodePort) {
      const k = `${str(p.protocol)}/${p.nodePort}`;
      if (nodePorts.has(k)) errs.push(pp.child('nodePort').duplicate(p.nodePort));
      nodePorts.add(k);
    }
    const k = `${str(p.protocol)}/${p.port ?? 0}`;
    if (portKeys.has(k)) errs.push(pp.duplicate({ port: p.port ?? 0, protocol: str(p.protocol) }));
    portKeys.add(k);
  });
  const lbRanges = list(sp.loadBalancerSourceRanges);
  const lbAnnotation = 'service.beta.kubernetes.io/load-balancer-source-ranges';
  const annotations = obj<string>(s.metadata?.annotations);
  if (lbRanges.length) {
    const p = spec.child('LoadBalancerSourceRanges');
    if (type !== 'LoadBalancer') errs.push(p.forbidden("may only be used when `type` is 'LoadBalancer'"));
    lbRanges.forEach((r, i) => errs.push(...validateCIDR(p.index(i), r.trim())));
  } else if (lbAnnotation in annotations) {
    const p = meta.child('annotations').key(lbAnnotation);
    if (type !== 'LoadBalancer') errs.push(p.forbidden("may only be used when `type` is 'LoadBalancer'"));
    const val = str(annotations[lbAnnotation]).trim();
    if (val) for (const c of val.split(',')) errs.push(...validateCIDR(p, c.trim()));
  }
  if (
    sp.allocateLoadBalancerNodePorts !== undefined &&
    sp.allocateLoadBalancerNodePorts !== null &&
    type !== 'LoadBalancer'
  )
    errs.push(spec.child('allocateLoadBalancerNodePorts').forbidden("may only be used when `type` is 'LoadBalancer'"));
  if (
    type === 'LoadBalancer' &&
    (sp.allocateLoadBalancerNodePorts === undefined || sp.allocateLoadBalancerNodePorts === null)
  )
    errs.push(FieldPath.of('allocateLoadBalancerNodePorts').required());
  if (type === 'LoadBalancer') {
    if (sp.loadBalancerClass !== undefined && sp.loadBalancerClass !== null)
      errs.push(
        ...isQualifiedName(sp.loadBalancerClass).map((m) =>
          spec.child('loadBalancerClass').invalid(sp.loadBalancerClass, m),
        ),
      );
  } else if (sp.loadBalancerClass !== undefined && sp.loadBalancerClass !== null) {
    errs.push(spec.child('loadBalancerClass').forbidden("may only be used when `type` is 'LoadBalancer'"));
  }
  const etp = str(sp.externalTrafficPolicy);
  if (!externallyAccessible(s)) {
    if (etp)
      errs.push(spec.child('externalTrafficPolicy').invalid(etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(spec.child('externalTrafficPolicy').required());
  else if (etp !== 'Cluster' && etp !== 'Local')
    errs.push(spec.child('externalTrafficPolicy').notSupported(etp, ['Cluster', 'Local']));
  const hc = sp.healthCheckNodePort ?? 0;
  if (!needsHealthCheck(s)) {
    if (hc)
      errs.push(
        spec
          .child('healthCheckNodePort')
          .invalid(hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
      );
  } else if (!hc) errs.push(spec.child('healthCheckNodePort').required());
  else errs.push(...isValidPortNum(hc).map((m) => spec.child('healthCheckNodePort').invalid(hc, m)));
  const itp = sp.internalTrafficPolicy;
  if ((itp === undefined || itp === null) && (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP'))
    errs.push(spec.child('internalTrafficPolicy').required());
  if (itp !== undefined && itp !== null && itp !== 'Cluster' && itp !== 'Local')
    errs.push(spec.child('internalTrafficPolicy').notSupported(itp, ['Cluster', 'Local']));
  const td = (sp as { trafficDistribution?: string }).trafficDistribution;
  if (td !== undefined && td !== null && td !== 'PreferClose')
    errs.push(spec.child('trafficDistribution').notSupported(td, ['PreferClose']));
  return errs;
}

function validateClusterIPsUpdate(old: Service, s: Service): FieldError[] {
  if (s.spec?.type === 'ExternalName' || old.spec?.type === 'ExternalName') return [];
  if (isHeadless(old) && isHeadless(s)) return [];
  const errs: FieldError[] = [];
  const o = list(old.spec?.clusterIPs);
  const n = list(s.spec?.clusterIPs);
  const p = spec.child('clusterIPs');
  if (o.length === n.length) {
    o.forEach((ip, i) => {
      if (ip !== n[i]) errs.push(p.index(i).invalid(n, 'may not change once set'));
    });
  } else if (o.length > n.length) {
    if (n.length === 0) errs.push(p.index(0).invalid(n, 'primary clusterIP can not be unset'));
    if (o.length && n.length && n[0] !== o[0]) errs.push(p.index(0).invalid(n, 'may not change once set'));
    if (n.length === 1 && s.spec?.ipFamilyPolicy !== 'SingleStack')
      errs.push(
        spec
          .child('ipFamilyPolicy')
          .invalid(
            s.spec?.ipFamilyPolicy ?? null,
            "must be set to 'SingleStack' when releasing the secondary clusterIP",
          ),
      );
  } else if (o.length && n[0] !== o[0]) {
    errs.push(p.index(0).invalid(n, 'may not change once set'));
  }
  return errs;
}

export function validateServiceUpdate(s: Service, old: Service): FieldError[] {
  const errs = validateObjectMetaUpdate(s.metadata, old.metadata);
  errs.push(...validateClusterIPsUpdate(old, s));
  if (!isHeadless(s) && !isHeadless(old) && s.spec?.type !== 'ExternalName' && old.spec?.type !== 'ExternalName') {
    const o = list(old.spec?.ipFamilies);
    const n = list(s.spec?.ipFamilies);
    if (o.length === n.length && o.some((f, i) => f !== n[i]))
      errs.push(spec.child('ipFamilies').index(0).invalid(n, 'may not change once set'));
  }
  if (
    old.spec?.type === 'LoadBalancer' &&
    s.spec?.type === 'LoadBalancer' &&
    (old.spec.loadBalancerClass ?? null) !== (s.spec.loadBalancerClass ?? null)
  )
    errs.push(spec.child('loadBalancerClass').invalid(s.spec.loadBalancerClass ?? null, 'may not change once set'));
  if (needsHealthCheck(old) && needsHealthCheck(s) && old.spec?.healthCheckNodePort !== s.spec?.healthCheckNodePort)
    errs.push(spec.child('healthCheckNodePort').forbidden('field is immutable'));
  errs.push(...validateService(s));
  return errs;
}

export function validateServiceStatusUpdate(s: Service, old: Service): FieldError[] {
  const errs = validateObjectMetaUpdate(s.metadata, old.metadata);
  const ingress = list(s.status?.loadBalancer?.ingress);
  const p = FieldPath.of('status', 'loadBalancer', 'ingress');
  if (s.spec?.type !== 'LoadBalancer' && ingress.length)
    errs.push(p.forbidden("may only be used when `spec.type` is 'LoadBalancer'"));
  else
    ingress.forEach((ing, i) => {
      const ip = p.index(i);
      if (ing.ip) errs.push(...validateIP(ip.child('ip'), ing.ip));
      if (ing.ipMode === undefined || ing.ipMode === null) {
        if (ing.ip) errs.push(ip.child('ipMode').required('must be specified when `ip` is set'));
      } else if (!ing.ip) errs.push(ip.child('ipMode').forbidden('may not be specified when `ip` is not set'));
      else if (ing.ipMode !== 'VIP' && ing.ipMode !== 'Proxy')
        errs.push(ip.child('ipMode').notSupported(ing.ipMode, ['Proxy', 'VIP']));
      if (ing.hostname) {
        errs.push(...isDNS1123Subdomain(ing.hostname).map((m) => ip.child('hostname').invalid(ing.hostname, m)));
        if (validateIP(ip, ing.hostname).length === 0)
          errs.push(ip.child('hostname').invalid(ing.hostname, 'must be a DNS name, not an IP address'));
      }
    });
  return errs;
}

function validateEndpointAddress(a: EndpointAddress, path: FieldPath): FieldError[] {
  const ip = str(a.ip);
  const errs = validateIP(path.child('ip'), ip);
  if (a.hostname) errs.push(...isDNS1123Label(a.hostname).map((m) => path.child('hostname').invalid(a.hostname, m)));
  if (a.nodeName !== undefined && a.nodeName !== null)
    errs.push(...nameIsDNSSubdomain(a.nodeName, false).map((m) => path.child('nodeName').invalid(a.nodeName, m)));
  errs.push(...validateNonSpecialIP(path.child('ip'), ip));
  return errs;
}

function validateEndpointPort(p: EndpointPort, requireName: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(p.name);
  if (requireName && !name) errs.push(path.child('name').required());
  else if (name) errs.push(...isDNS1123Label(name).map((m) => path.child('name').invalid(name, m)));
  errs.push(...isValidPortNum(p.port ?? 0).map((m) => path.child('port').invalid(p.port ?? 0, m)));
  const protocol = str(p.protocol);
  if (!protocol) errs.push(path.child('protocol').required());
  else if (!supportedPortProtocols.includes(protocol))
    errs.push(path.child('protocol').notSupported(protocol, supportedPortProtocols));
  if (p.appProtocol !== undefined && p.appProtocol !== null)
    errs.push(...isQualifiedName(p.appProtocol).map((m) => path.child('appProtocol').invalid(p.appProtocol, m)));
  return errs;
}

export function validateEndpoints(e: Endpoints): FieldError[] {
  const errs = validateObjectMeta(e.metadata, true, nameIsDNSSubdomain);
  list(e.subsets).forEach((ss, i) => {
    const p = FieldPath.of('subsets').index(i);
    if (list(ss.addresses).length === 0 && list(ss.notReadyAddresses).length === 0)
      errs.push(p.required('must specify `addresses` or `notReadyAddresses`'));
    list(ss.addresses).forEach((a, j) => errs.push(...validateEndpointAddress(a, p.child('addresses').index(j))));
    list(ss.notReadyAddresses).forEach((a, j) =>
      errs.push(...validateEndpointAddress(a, p.child('notReadyAddresses').index(j))),
    );
    const ports = list(ss.ports);
    ports.forEach((port, j) => errs.push(...validateEndpointPort(port, ports.length > 1, p.child('ports').index(j))));
  });
  return errs;
}

export function validateEndpointsUpdate(e: Endpoints, old: Endpoints): FieldError[] {
  return [...validateObjectMetaUpdate(e.metadata, old.metadata), ...validateEndpoints(e)];
}
