import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClusterPKI } from '../control-plane/apiserver/pki/cluster-pki.js';
import { kubeletServingCert, nodeClientCert, nodeUser } from './node-certs.js';

test('node client certificate: system:node:<name> in system:nodes, from the client CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-ncert-'));
  try {
    const pki = ensureClusterPKI({ dir });
    const kp = nodeClientCert(pki, 'n1');
    const cert = new X509Certificate(kp.certPEM);
    assert.match(cert.subject, /CN=system:node:n1/);
    assert.match(cert.subject, /O=system:nodes/);
    assert.ok(cert.verify(new X509Certificate(pki.clientCA.certPEM).publicKey));
    assert.deepEqual(nodeUser('n1'), { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kubelet serving certificate: server CA signed, SANs, reused until a SAN is missing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-ncert-'));
  try {
    const pki = ensureClusterPKI({ dir: join(dir, 'pki') });
    const o = { dir: join(dir, 'agent'), nodeName: 'n1', sans: ['10.0.0.5', 'n1', 'localhost', '127.0.0.1'] };
    const first = kubeletServingCert(pki, o);
    const cert = new X509Certificate(first.certPEM);
    assert.ok(cert.verify(new X509Certificate(pki.serverCA.certPEM).publicKey), 'signed by the server CA');
    assert.ok(cert.checkIssued(new X509Certificate(pki.serverCA.certPEM)), 'issuer names the server CA');
    for (const san of ['IP Address:10.0.0.5', 'IP Address:127.0.0.1', 'DNS:n1', 'DNS:localhost']) {
      assert.ok(cert.subjectAltName?.includes(san), `${san} in ${cert.subjectAltName}`);
    }
    assert.match(cert.subject, /CN=system:node:n1/);
    assert.equal(cert.checkHost('n1'), 'n1');
    assert.equal(kubeletServingCert(pki, o).certPEM, first.certPEM, 'reused while it covers the SANs');
    const moved = kubeletServingCert(pki, { ...o, sans: [...o.sans, '10.0.0.6'] });
    assert.notEqual(moved.certPEM, first.certPEM, 're-issued for a new node IP');
    assert.ok(new X509Certificate(moved.certPEM).subjectAltName?.includes('IP Address:10.0.0.6'));
    const otherCA = ensureClusterPKI({ dir: join(dir, 'pki2') });
    assert.notEqual(kubeletServingCert(otherCA, o).certPEM, moved.certPEM, 're-issued when the CA changed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
