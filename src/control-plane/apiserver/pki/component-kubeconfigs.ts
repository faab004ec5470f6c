import { join } from 'node:path';
import type { Subject } from '../../../lib/pki/x509.js';
import type { ClusterPKI, KeyPair } from './cluster-pki.js';
import { writeKubeconfig } from './kubeconfig.js';

/**
 * Client certificates and kubeconfigs of the control-plane components, in
 * k3s's layout: certificates `client-<x>.crt/.key` beside the other PKI files,
 * kubeconfigs `<data-dir>/server/cred/<name>.kubeconfig` (0600) with embedded
 * credentials, so an out-of-process scheduler, controller-manager, kube-proxy
 * or cloud-controller-manager (or a user acting as one) can use them as they are.
 * Idempotent: certificates are reused while valid (ClusterPKI.clientCert), and
 * the kubeconfigs are rewritten on each start (the server URL may have changed).
 */
export interface ComponentIdentity {
  /** Kubeconfig file name without `.kubeconfig`. */
  kubeconfig: string;
  /** Certificate file base name in the PKI directory. */
  certBase: string;
  subject: Subject;
}

export const componentIdentities: readonly ComponentIdentity[] = [
  {
    kubeconfig: 'admin',
    certBase: 'client-admin',
    subject: { commonName: 'admin', organizations: ['system:masters'] },
  },
  { kubeconfig: 'scheduler', certBase: 'client-scheduler', subject: { commonName: 'system:kube-scheduler' } },
  {
    kubeconfig: 'controller',
    certBase: 'client-controller',
    subject: { commonName: 'system:kube-controller-manager' },
  },
  { kubeconfig: 'kubeproxy', certBase: 'client-kube-proxy', subject: { commonName: 'system:kube-proxy' } },
  {
    kubeconfig: 'cloud-controller',
    certBase: 'client-cloud-controller',
    subject: { commonName: 'system:cloud-controller-manager' },
  },
];

export interface ComponentCredential {
  identity: ComponentIdentity;
  keyPair: KeyPair;
  kubeconfigPath: string;
}

/** Issues (or reuses) every component certificate and writes its kubeconfig under `credDir`. */
export function writeComponentKubeconfigs(pki: ClusterPKI, credDir: string, serverURL: string): ComponentCredential[] {
  return componentIdentities.map((identity) => {
    const keyPair = pki.clientCert(identity.certBase, identity.subject);
    const kubeconfigPath = join(credDir, `${identity.kubeconfig}.kubeconfig`);
    writeKubeconfig(kubeconfigPath, {
      server: serverURL,
      caPEM: pki.serverCA.certPEM,
      clientCertPEM: keyPair.certPEM,
      clientKeyPEM: keyPair.keyPEM,
      userName: identity.subject.commonName,
    });
    return { identity, keyPair, kubeconfigPath };
  });
}
