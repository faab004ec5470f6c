import * as der from './der.js';

/**
 * X.501 distinguished names as Kubernetes uses them: the common name is the
 * user and the organizations are the groups. Names built here put each
 * attribute in its own RDN, organizations first (the order Go's pkix.Name
 * marshals them), as UTF8String.
 */
export interface Subject {
  commonName: string;
  organizations?: string[];
}

export const nameOID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
};

export function encodeName(s: Subject): der.Der {
  const rdns: der.Der[] = [];
  for (const o of s.organizations ?? [])
    rdns.push(der.set(der.sequence(der.oid(nameOID.organization), der.utf8String(o))));
  if (s.commonName) rdns.push(der.set(der.sequence(der.oid(nameOID.commonName), der.utf8String(s.commonName))));
  return der.sequence(...rdns);
}

/**
 * Reads the common name and organizations of a Name (other attributes are
 * ignored; a caller that must keep them copies the raw DER). As Go, the last
 * CN wins and organizations keep their order.
 */
export function decodeName(node: der.Node): Subject & { organizations: string[] } {
  if (node.tag !== 0x30) throw new Error('x509: malformed name');
  const out = { commonName: '', organizations: [] as string[] };
  for (const rdn of node.children ?? []) {
    if (rdn.tag !== 0x31) throw new Error('x509: malformed RDN');
    for (const atv of rdn.children ?? []) {
      const [type, value] = atv.children ?? [];
      if (!type || !value) throw new Error('x509: malformed attribute');
      const id = der.readOid(type);
      if (id === nameOID.commonName) out.commonName = der.readString(value);
      else if (id === nameOID.organization) out.organizations.push(der.readString(value));
    }
  }
  return out;
}
