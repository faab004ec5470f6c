import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FakeClock } from '../../../lib/clock.js';
import { ensureClusterPKI } from './cluster-pki.js';
import { writeComponentKubeconfigs } from './component-kubeconfigs.js';

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

test('component kubeconfigs: k3s names, 0600, identities signed by the client CA, reused on restart', () => {
  const root = mkdtempSync(join(tmpdir(), 'kubets-cred-'));
  try {
    const tls = join(root, 'server', 'tls');
    const cred = join(root, 'server', 'cred');
    const clock = new FakeClock();
    const pki = ensureClusterPKI({ dir: tls, clock });
    const creds = writeComponentKubeconfigs(pki, cred, 'https://127.0.0.1:6443');
    assert.deepEqual(readdirSync(cred).sort(), [
      'admin.kubeconfig',
      'cloud-controller.kubeconfig',
      'controller.kubeconfig',
      'kubeproxy.kubeconfig',
      'scheduler.kubeconfig',
    ]);
    const want: Record<string, string> = {
      'admin.kubeconfig': 'O=system:masters\nCN=admin',
      'scheduler.kubeconfig': 'CN=system:kube-scheduler',
      'controller.kubeconfig': 'CN=system:kube-controller-manager',
      'kubeproxy.kubeconfig': 'CN=system:kube-proxy',
      'cloud-controller.kubeconfig': 'CN=system:cloud-controller-manager',
    };
    const caCert = new X509Certificate(pki.clientCA.certPEM);
    for (const [file, subject] of Object.entries(want)) {
      const path = join(cred, file);
      assert.equal(statSync(path).mode & 0o777, 0o600, file);
      const kc = parse(readFileSync(path, 'utf8')) as Kubeconfig;
      assert.equal(kc.clusters[0]!.cluster.server, 'https://127.0.0.1:6443');
      assert.equal(b64(kc.clusters[0]!.cluster['certificate-authority-data']), pki.serverCA.certPEM);
      const c = new X509Certificate(b64(kc.users[0]!.user['client-certificate-data']));
      assert.equal(c.subject, subject, file);
      assert.ok(c.checkIssued(caCert) && c.verify(caCert.publicKey), `${file} signed by the client CA`);
      assert.ok(c.checkPrivateKey(createPrivateKey(b64(kc.users[0]!.user['client-key-data']))), `${file} key matches`);
    }
    // A restart reuses the certificates (kubeconfigs keep working for those who copied them).
    const again = writeComponentKubeconfigs(ensureClusterPKI({ dir: tls, clock }), cred, 'https://127.0.0.1:6443');
    assert.deepEqual(
      again.map((c) => c.keyPair.certPEM),
      creds.map((c) => c.keyPair.certPEM),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
