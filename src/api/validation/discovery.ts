import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { list, mapKeys, str, validateImmutable } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { validateFQDN, validateIPv4Address, validateIPv6Address, validateNonSpecialIP } from './formats.js';
import { validateLabels } from './label-selector.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { supportedPortProtocols } from './pod-containers.js';

/** discovery.k8s.io/v1 EndpointSlices. */
const addressTypes = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(es: EndpointSlice): FieldError[] {
  const errs = validateObjectMeta(es.metadata, true, nameIsDNSSubdomain);
  const at = str(es.addressType);
  if (!at) errs.push(FieldPath.of('addressType').required());
  else if (!addressTypes.includes(at)) errs.push(FieldPath.of('addressType').notSupported(at, addressTypes));
  const eps = list(es.endpoints);
  const ep = FieldPath.of('endpoints');
  if (eps.length > 1000) errs.push(ep.tooMany(eps.length, 1000));
  else
    eps.forEach((e, i) => {
      const p = ep.index(i);
      const ap = p.child('addresses');
      const addrs = list(e.addresses).map(str);
      if (addrs.length === 0) errs.push(ap.required('must contain at least 1 address'));
      else if (addrs.length > 100) errs.push(ap.tooMany(addrs.length, 100));
      addrs.forEach((a, j) => {
        const aj = ap.index(j);
        if (at === 'IPv4' || at === 'IPv6') {
          const fmt = at === 'IPv4' ? validateIPv4Address(aj, a) : validateIPv6Address(aj, a);
          errs.push(...(fmt.length ? fmt : validateNonSpecialIP(aj, a)));
        } else if (at === 'FQDN') errs.push(...validateFQDN(aj, a));
      });
      if (e.nodeName !== undefined && e.nodeName !== null)
        errs.push(...nameIsDNSSubdomain(e.nodeName, false).map((m) => p.child('nodeName').invalid(e.nodeName, m)));
      const tp = p.child('deprecatedTopology');
      if (mapKeys(e.deprecatedTopology).length > 16) errs.push(tp.tooMany(mapKeys(e.deprecatedTopology).length, 16));
      errs.push(...validateLabels(e.deprecatedTopology, tp));
      if (e.hostname !== undefined && e.hostname !== null)
        errs.push(...isDNS1123Label(e.hostname).map((m) => p.child('hostname').invalid(e.hostname, m)));
      const zones = list(e.hints?.forZones);
      const zp = p.child('hints', 'forZones');
      if (zones.length > 8) errs.push(zp.tooMany(zones.length, 8));
      else {
        const seen = new Set<string>();
        zones.forEach((z, j) => {
          const name = str(z.name);
          const np = zp.index(j).child('name');
          if (seen.has(name)) errs.push(np.duplicate(name));
          seen.add(name);
          errs.push(...isValidLabelValue(name).map((m) => np.invalid(name, m)));
        });
      }
    });
  const ports = list(es.ports);
  const pp = FieldPath.of('ports');
  if (ports.length > 20000) errs.push(pp.tooMany(ports.length, 20000));
  else {
    const names = new Set<string>();
    ports.forEach((port, i) => {
      const p = pp.index(i);
      const name = str(port.name);
      if (name) errs.push(...isDNS1123Label(name).map((m) => p.child('name').invalid(name, m)));
      if (names.has(name)) errs.push(p.child('name').duplicate(name));
      names.add(name);
      const protocol = port.protocol;
      if (protocol === undefined || protocol === null) errs.push(p.child('protocol').required());
      else if (!supportedPortProtocols.includes(protocol))
        errs.push(p.child('protocol').notSupported(protocol, supportedPortProtocols));
      if (port.appProtocol !== undefined && port.appProtocol !== null)
        errs.push(...isQualifiedName(port.appProtocol).map((m) => p.child('appProtocol').invalid(port.appProtocol, m)));
    });
  }
  return errs;
}

export function validateEndpointSliceUpdate(es: EndpointSlice, old: EndpointSlice): FieldError[] {
  return [
    ...validateObjectMetaUpdate(es.metadata, old.metadata),
    ...validateEndpointSlice(es),
    ...validateImmutable(str(es.addressType), str(old.addressType), FieldPath.of('addressType')),
  ];
}
