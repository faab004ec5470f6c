import type { ExtKeyUsage, KeyUsage } from './x509.js';

/**
 * The key usage names of the certificates.k8s.io API
 * (`CertificateSigningRequestSpec.usages`) and the X.509 KeyUsage /
 * ExtendedKeyUsage each becomes in a signed certificate (upstream
 * `controller/certificates/authority/policies.go`).
 */
export const csrKeyUsages: Record<string, KeyUsage> = {
  signing: 'digitalSignature',
  'digital signature': 'digitalSignature',
  'content commitment': 'contentCommitment',
  'key encipherment': 'keyEncipherment',
  'key agreement': 'keyAgreement',
  'data encipherment': 'dataEncipherment',
  'cert sign': 'keyCertSign',
  'crl sign': 'crlSign',
  'encipher only': 'encipherOnly',
  'decipher only': 'decipherOnly',
};

export const csrExtKeyUsages: Record<string, ExtKeyUsage> = {
  any: 'any',
  'server auth': 'serverAuth',
  'client auth': 'clientAuth',
  'code signing': 'codeSigning',
  'email protection': 'emailProtection',
  's/mime': 'emailProtection',
  'ipsec end system': 'ipsecEndSystem',
  'ipsec tunnel': 'ipsecTunnel',
  'ipsec user': 'ipsecUser',
  timestamping: 'timeStamping',
  'ocsp signing': 'ocspSigning',
  'microsoft sgc': 'microsoftServerGatedCrypto',
  'netscape sgc': 'netscapeServerGatedCrypto',
};

/** Every usage value the API accepts, sorted (the order upstream lists them in errors). */
export const allCsrUsages: readonly string[] = [...Object.keys(csrKeyUsages), ...Object.keys(csrExtKeyUsages)].sort();

/**
 * Splits API usages into certificate KeyUsage bits and ExtendedKeyUsages;
 * throws `unrecognized usage values: [...]` (upstream's text) for unknown ones.
 */
export function x509UsagesOf(usages: readonly string[]): { keyUsage: KeyUsage[]; extKeyUsage: ExtKeyUsage[] } {
  const keyUsage = new Set<KeyUsage>();
  const extKeyUsage = new Set<ExtKeyUsage>();
  const unknown: string[] = [];
  for (const u of usages) {
    if (csrKeyUsages[u]) keyUsage.add(csrKeyUsages[u]);
    else if (csrExtKeyUsages[u]) extKeyUsage.add(csrExtKeyUsages[u]);
    else unknown.push(u);
  }
  if (unknown.length)
    throw new Error(`unrecognized usage values: [${unknown.map((u) => JSON.stringify(u)).join(' ')}]`);
  return { keyUsage: [...keyUsage], extKeyUsage: [...extKeyUsage] };
}
