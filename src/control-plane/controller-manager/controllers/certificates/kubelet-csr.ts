import type { ParsedCsr } from '../../../../lib/pki/csr.js';

/**
 * What a kubelet's certificate requests must look like (upstream
 * `pkg/apis/certificates/helpers.go`): subject O exactly `[system:nodes]`, CN
 * `system:node:<name>`, usages exactly the kubelet sets (with or without
 * "key encipherment", which only RSA keys need), and for client certificates
 * no SANs at all, for serving certificates DNS/IP SANs only. Each returns the
 * upstream error text, or undefined when the request fits.
 */
const sameSet = (a: readonly string[], b: readonly string[]) => {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
};

const clientUsages = ['digital signature', 'key encipherment', 'client auth'];
const clientUsagesNoRSA = ['digital signature', 'client auth'];
const servingUsages = ['digital signature', 'key encipherment', 'server auth'];
const servingUsagesNoRSA = ['digital signature', 'server auth'];

const isNodesOnly = (req: ParsedCsr) =>
  req.subject.organizations.length === 1 && req.subject.organizations[0] === 'system:nodes';

export function validateKubeletClientCsr(req: ParsedCsr, usages: readonly string[]): string | undefined {
  if (!isNodesOnly(req)) return 'subject organization is not system:nodes';
  if (req.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (req.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (req.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (req.uris.length) return 'URI subjectAltNames are not allowed';
  if (!req.subject.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, clientUsages) && !sameSet(usages, clientUsagesNoRSA))
    return `usages did not match [${[...clientUsages].sort().join(' ')}]`;
  return undefined;
}

export function validateKubeletServingCsr(req: ParsedCsr, usages: readonly string[]): string | undefined {
  if (!isNodesOnly(req)) return 'subject organization is not system:nodes';
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (req.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (req.uris.length) return 'URI subjectAltNames are not allowed';
  if (!sameSet(usages, servingUsages) && !sameSet(usages, servingUsagesNoRSA))
    return `usages did not match [${[...servingUsages].sort().join(' ')}]`;
  if (!req.subject.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return undefined;
}

/**
 * Upstream validAPIServerClientUsages (signer for
 * `kubernetes.io/kube-apiserver-client`): "client auth" is required, and
 * only the two signature usages may accompany it.
 */
export function validateAPIServerClientUsages(usages: readonly string[]): string | undefined {
  let clientAuth = false;
  for (const u of usages) {
    if (u === 'client auth') clientAuth = true;
    else if (u !== 'digital signature' && u !== 'key encipherment') return `invalid usage for client certificate: ${u}`;
  }
  return clientAuth ? undefined : 'missing required usage for client certificate: client auth';
}
