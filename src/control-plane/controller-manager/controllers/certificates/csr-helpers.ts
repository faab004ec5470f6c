import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
} from 'kubernetes-types/certificates/v1.js';
import type { KubeObject } from '../../../../client/index.js';
import { parseCsr, type ParsedCsr } from '../../../../lib/pki/csr.js';

/** Helpers shared by the certificate controllers (upstream `controller/certificates/certificate_controller_utils.go`). */
export type Csr = CertificateSigningRequest & KubeObject;

export const csrGVR = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };

export const signerNames = {
  kubeAPIServerClient: 'kubernetes.io/kube-apiserver-client',
  kubeAPIServerClientKubelet: 'kubernetes.io/kube-apiserver-client-kubelet',
  kubeletServing: 'kubernetes.io/kubelet-serving',
  legacyUnknown: 'kubernetes.io/legacy-unknown',
} as const;

export function hasTrueCondition(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && (c.status === 'True' || !c.status));
}

/** Approved and not denied (upstream IsCertificateRequestApproved). */
export function isApproved(csr: CertificateSigningRequest): boolean {
  const { approved, denied } = approvalState(csr);
  return approved && !denied;
}

/** Upstream GetCertApprovalCondition. */
export function approvalState(csr: CertificateSigningRequest): { approved: boolean; denied: boolean } {
  let approved = false;
  let denied = false;
  for (const c of csr.status?.conditions ?? []) {
    if (c.type === 'Approved') approved = true;
    if (c.type === 'Denied') denied = true;
  }
  return { approved, denied };
}

export function appendCondition(csr: Csr, c: CertificateSigningRequestCondition): void {
  csr.status = { ...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), c] };
}

/** The PKCS#10 request of `spec.request` (base64 of PEM on the wire). */
export function requestOf(csr: CertificateSigningRequest): ParsedCsr {
  return parseCsr(Buffer.from(csr.spec?.request ?? '', 'base64'));
}

/**
 * An error the controller retries quietly (upstream `IgnorableError`): the
 * request was recognised but is not ready to act on.
 */
export class IgnorableError extends Error {
  override name = 'IgnorableError';
}
