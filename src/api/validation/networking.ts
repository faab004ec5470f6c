import type {
  Ingress,
  IngressBackend,
  IngressClass,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
} from 'kubernetes-types/networking/v1.js';
import { list, obj, str, validateImmutable } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { isWildcardDNS1123Subdomain, validateCIDR, validateDomainPrefixedPath, validateIP } from './formats.js';
import { validateLabelSelector } from './label-selector.js';
import {
  isDNS1123Subdomain,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
} from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/** networking.k8s.io/v1: NetworkPolicies, Ingresses and IngressClasses. */
const spec = FieldPath.of('spec');
const protocols = ['TCP', 'UDP', 'SCTP'];

function validatePolicyPort(port: NetworkPolicyPort, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && port.protocol !== null && !protocols.includes(port.protocol))
    errs.push(path.child('protocol').notSupported(port.protocol, protocols));
  const p = port.port;
  if (p !== undefined && p !== null) {
    if (typeof p === 'number') {
      errs.push(...isValidPortNum(p).map((m) => path.child('port').invalid(p, m)));
      if (typeof port.endPort === 'number') {
        if (port.endPort < p) errs.push(path.child('endPort').invalid(p, 'must be greater than or equal to `port`'));
        errs.push(...isValidPortNum(port.endPort).map((m) => path.child('endPort').invalid(port.endPort, m)));
      }
    } else {
      if (typeof port.endPort === 'number')
        errs.push(path.child('endPort').invalid(port.endPort, 'may not be specified when `port` is non-numeric'));
      errs.push(...isValidPortName(str(p)).map((m) => path.child('port').invalid(p, m)));
    }
  } else if (typeof port.endPort === 'number') {
    errs.push(path.child('endPort').invalid(port.endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validatePeer(peer: NetworkPolicyPeer, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (peer.podSelector) {
    n++;
    errs.push(...validateLabelSelector(peer.podSelector, path.child('podSelector')));
  }
  if (peer.namespaceSelector) {
    n++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, path.child('namespaceSelector')));
  }
  if (peer.ipBlock) {
    n++;
    const ip = path.child('ipBlock');
    const cidr = str(peer.ipBlock.cidr);
    if (!cidr) errs.push(ip.child('cidr').required());
    else {
      const cerrs = validateCIDR(ip.child('cidr'), cidr);
      errs.push(...cerrs);
      if (cerrs.length === 0) {
        const [base, bits] = cidr.split('/');
        list(peer.ipBlock.except).forEach((ex, i) => {
          const ep = ip.child('except').index(i);
          const eerrs = validateCIDR(ep, ex);
          errs.push(...eerrs);
          if (eerrs.length) return;
          const [eb, ebits] = ex.split('/');
          if (!cidrContains(base!, Number(bits), eb!) || Number(bits) >= Number(ebits))
            errs.push(ep.invalid(ex, 'must be a strict subset of `cidr`'));
        });
      }
    }
  }
  if (n === 0) errs.push(path.required('must specify a peer'));
  else if (n > 1 && peer.ipBlock) errs.push(path.forbidden('may not specify both ipBlock and another peer'));
  return errs;
}

/** IPv4-only containment check (IPv6 networks are accepted as containing their subsets). */
function cidrContains(base: string, bits: number, ip: string): boolean {
  const toInt = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  if (!base.includes('.') || !ip.includes('.')) return base.includes(':') === ip.includes(':');
  const size = 2 ** (32 - bits);
  return Math.floor(toInt(base) / size) === Math.floor(toInt(ip) / size);
}

function validateNetworkPolicySpec(np: NetworkPolicy): FieldError[] {
  const s: NonNullable<NetworkPolicy['spec']> = np.spec ?? { podSelector: {} };
  const errs = validateLabelSelector(s.podSelector, spec.child('podSelector'));
  for (const [dir, peers] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    list(s[dir] as { ports?: NetworkPolicyPort[]; from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[] }[]).forEach(
      (rule, i) => {
        const rp = spec.child(dir).index(i);
        list(rule.ports).forEach((port, j) => errs.push(...validatePolicyPort(port, rp.child('ports').index(j))));
        list(rule[peers]).forEach((peer, j) => errs.push(...validatePeer(peer, rp.child(peers).index(j))));
      },
    );
  }
  const types = list(s.policyTypes);
  if (types.length > 2)
    errs.push(spec.child('policyTypes').invalid(types, 'may not specify more than two policyTypes'));
  else
    types.forEach((t, i) => {
      if (t !== 'Ingress' && t !== 'Egress')
        errs.push(spec.child('policyTypes').index(i).notSupported(t, ['Ingress', 'Egress']));
    });
  return errs;
}

export function validateNetworkPolicy(np: NetworkPolicy): FieldError[] {
  return [...validateObjectMeta(np.metadata, true, nameIsDNSSubdomain), ...validateNetworkPolicySpec(np)];
}

export function validateNetworkPolicyUpdate(np: NetworkPolicy, old: NetworkPolicy): FieldError[] {
  return [...validateObjectMetaUpdate(np.metadata, old.metadata), ...validateNetworkPolicySpec(np)];
}

function validateTypedRef(ref: { apiGroup?: string; kind?: string; name?: string }, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (ref.apiGroup !== undefined && ref.apiGroup !== null)
    errs.push(...isDNS1123Subdomain(ref.apiGroup).map((m) => path.child('apiGroup').invalid(ref.apiGroup, m)));
  for (const f of ['kind', 'name'] as const) {
    const v = str(ref[f]);
    if (!v) errs.push(path.child(f).required(`${f} is required`));
    else errs.push(...nameIsPathSegment(v, false).map((m) => path.child(f).invalid(v, m)));
  }
  return errs;
}

function validateBackend(b: IngressBackend, path: FieldPath): FieldError[] {
  if (b.resource && b.service) return [path.invalid('', 'cannot set both resource and service backends')];
  if (b.resource) return validateTypedRef(b.resource, path.child('resource'));
  if (!b.service) return [path.invalid('', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const name = str(b.service.name);
  if (!name) errs.push(path.child('service', 'name').required());
  else errs.push(...nameIsDNS1035Label(name, false).map((m) => path.child('service', 'name').invalid(name, m)));
  const portName = str(b.service.port?.name);
  const portNumber = b.service.port?.number ?? 0;
  if (portName && portNumber) errs.push(path.invalid('', 'cannot set both port name & port number'));
  else if (portName)
    errs.push(...isValidPortName(portName).map((m) => path.child('service', 'port', 'name').invalid(portName, m)));
  else if (portNumber)
    errs.push(...isValidPortNum(portNumber).map((m) => path.child('service', 'port', 'number').invalid(portNumber, m)));
  else errs.push(path.required('port name or number is required'));
  return errs;
}

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateIngressSpec(ing: Ingress): FieldError[] {
  const s = ing.spec ?? {};
  const errs: FieldError[] = [];
  const rules = list(s.rules);
  if (rules.length === 0 && !s.defaultBackend)
    errs.push(spec.invalid(rules, 'either `defaultBackend` or `rules` must be specified'));
  if (s.defaultBackend) errs.push(...validateBackend(s.defaultBackend, spec.child('defaultBackend')));
  rules.forEach((rule, i) => {
    const rp = spec.child('rules').index(i);
    const host = str(rule.host);
    if (host) {
      if (validateIP(rp, host).length === 0)
        errs.push(rp.child('host').invalid(host, 'must be a DNS name, not an IP address'));
      const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      errs.push(...msgs.map((m) => rp.child('host').invalid(host, m)));
    }
    if (!rule.http) return;
    const hp = rp.child('http');
    const paths = list(rule.http.paths);
    if (paths.length === 0) errs.push(hp.child('paths').required());
    paths.forEach((p, j) => {
      const pp = hp.child('paths').index(j);
      const type = p.pathType;
      if (type === undefined || type === null) {
        errs.push(pp.child('pathType').required('pathType must be specified'));
        return;
      }
      const path = str(p.path);
      if (type === 'Exact' || type === 'Prefix') {
        if (!path.startsWith('/')) errs.push(pp.child('path').invalid(path, 'must be an absolute path'));
        for (const seq of ['//', '/./', '/../', '%2f', '%2F'])
          if (path.includes(seq)) errs.push(pp.child('path').invalid(path, `must not contain '${seq}'`));
        for (const suf of ['/..', '/.'])
          if (path.endsWith(suf)) errs.push(pp.child('path').invalid(path, `cannot end with '${suf}'`));
      } else if (type === 'ImplementationSpecific') {
        if (path && !path.startsWith('/')) errs.push(pp.child('path').invalid(path, 'must be an absolute path'));
      } else errs.push(pp.child('pathType').notSupported(type, pathTypes));
      errs.push(...validateBackend(p.backend ?? {}, pp.child('backend')));
    });
  });
  list(s.tls).forEach((tls, i) => {
    const tp = spec.child('tls').index(i);
    list(tls.hosts).forEach((h, j) => {
      const msgs = h.includes('*') ? isWildcardDNS1123Subdomain(h) : isDNS1123Subdomain(h);
      errs.push(...msgs.map((m) => tp.child('hosts').index(j).invalid(h, m)));
    });
    if (tls.secretName)
      errs.push(
        ...nameIsDNSSubdomain(tls.secretName, false).map((m) => tp.child('secretName').invalid(tls.secretName, m)),
      );
  });
  if (s.ingressClassName !== undefined && s.ingressClassName !== null)
    errs.push(
      ...nameIsDNSSubdomain(s.ingressClassName, false).map((m) =>
        spec.child('ingressClassName').invalid(s.ingressClassName, m),
      ),
    );
  return errs;
}

export function validateIngress(ing: Ingress): FieldError[] {
  const errs = [...validateObjectMeta(ing.metadata, true, nameIsDNSSubdomain), ...validateIngressSpec(ing)];
  const cls = obj<string>(ing.metadata?.annotations)['kubernetes.io/ingress.class'];
  const name = ing.spec?.ingressClassName;
  if (cls !== undefined && name !== undefined && name !== null && cls !== name)
    errs.push(
      FieldPath.of('annotations')
        .child('kubernetes.io/ingress.class')
        .invalid(cls, 'must match `ingressClassName` when both are specified'),
    );
  return errs;
}

export function validateIngressUpdate(ing: Ingress, old: Ingress): FieldError[] {
  return [
    ...validateObjectMetaUpdate(ing.metadata, old.metadata),
    ...validateObjectMeta(ing.metadata, true, nameIsDNSSubdomain),
    ...validateIngressSpec(ing),
  ];
}

export function validateIngressStatusUpdate(ing: Ingress, old: Ingress): FieldError[] {
  const errs = validateObjectMetaUpdate(ing.metadata, old.metadata);
  list(ing.status?.loadBalancer?.ingress).forEach((i, n) => {
    const p = FieldPath.of('status', 'loadBalancer', 'ingress').index(n);
    if (i.ip) errs.push(...validateIP(p.child('ip'), i.ip));
    if (i.hostname) {
      errs.push(...isDNS1123Subdomain(i.hostname).map((m) => p.child('hostname').invalid(i.hostname, m)));
      if (validateIP(p, i.hostname).length === 0)
        errs.push(p.child('hostname').invalid(i.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

function validateIngressClassSpec(ic: IngressClass): FieldError[] {
  const s = ic.spec ?? {};
  const errs: FieldError[] = [];
  const controller = str(s.controller);
  if (controller.length > 250) errs.push(spec.child('controller').tooLong('', 250));
  errs.push(...validateDomainPrefixedPath(spec.child('controller'), controller));
  const params = s.parameters;
  if (params) {
    const pp = spec.child('parameters');
    errs.push(...validateTypedRef(params, pp));
    const scope = params.scope;
    if (scope === undefined || scope === null) errs.push(pp.child('scope').required());
    else if (scope !== 'Cluster' && scope !== 'Namespace')
      errs.push(pp.child('scope').notSupported(scope, ['Cluster', 'Namespace']));
    else if (scope === 'Namespace') {
      if (params.namespace === undefined || params.namespace === null)
        errs.push(pp.child('namespace').required("`parameters.scope` is set to 'Namespace'"));
      else
        errs.push(
          ...nameIsDNSLabel(params.namespace, false).map((m) => pp.child('namespace').invalid(params.namespace, m)),
        );
    } else if (params.namespace !== undefined && params.namespace !== null) {
      errs.push(pp.child('namespace').forbidden("`parameters.scope` is set to 'Cluster'"));
    }
  }
  return errs;
}

export function validateIngressClass(ic: IngressClass): FieldError[] {
  return [...validateObjectMeta(ic.metadata, false, nameIsDNSSubdomain), ...validateIngressClassSpec(ic)];
}

export function validateIngressClassUpdate(ic: IngressClass, old: IngressClass): FieldError[] {
  return [
    ...validateObjectMetaUpdate(ic.metadata, old.metadata),
    ...validateImmutable(str(ic.spec?.controller), str(old.spec?.controller), spec.child('controller')),
    ...validateIngressClass(ic),
  ];
}
