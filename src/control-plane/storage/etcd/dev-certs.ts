import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EtcdServerTls } from './launcher.js';

export interface DevCertificates extends EtcdServerTls {
  /** PEM paths a client uses: CA to verify the server, and its own certificate/key. */
  client: { ca: string; cert: string; key: string };
}

/**
 * A throwaway CA with a server certificate for 127.0.0.1/localhost and a client
 * certificate, made with the `openssl` CLI (EC P-256, valid one day). For
 * loopback etcd in tests and development only.
 */
export function makeDevCertificates(dir: string, openssl = 'openssl'): DevCertificates {
  const p = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl, args, { stdio: 'pipe' });
  const key = (name: string) =>
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(name));
  key('ca.key');
  run('req', '-x509', '-new', '-key', p('ca.key'), '-out', p('ca.crt'), '-days', '1', '-subj', '/CN=kubets-dev-ca');
  const leaf = (name: string, cn: string, ext: string) => {
    key(`${name}.key`);
    run('req', '-new', '-key', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`);
    writeFileSync(p(`${name}.ext`), ext);
    run(
      'x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-out', p(`${name}.crt`), '-days', '1', '-extfile', p(`${name}.ext`),
    ); // prettier-ignore
  };
  leaf('server', 'etcd', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  leaf('client', 'kubets-apiserver', 'extendedKeyUsage=clientAuth\n');
  return {
    certFile: p('server.crt'),
    keyFile: p('server.key'),
    caFile: p('ca.crt'),
    clientCertFile: p('client.crt'),
    clientKeyFile: p('client.key'),
    client: { ca: p('ca.crt'), cert: p('client.crt'), key: p('client.key') },
  };
}
