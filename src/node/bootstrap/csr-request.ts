import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { isAlreadyExists, isExpired, isForbidden, isUnauthorized } from '../../api/errors/status-error.js';
import { ResourceClient, type KubeObject, type RestClient } from '../../client/index.js';
import { anySignal, timeoutSignal } from '../../lib/abort.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { createCsr, parseCsr } from '../../lib/pki/csr.js';
import { decodePEM } from '../../lib/pki/pem.js';
import type { Subject } from '../../lib/pki/x509.js';
import { explainTransportError, JoinError, tokenRejected } from './join-errors.js';

/**
 * Requesting a certificate through the certificates.k8s.io API, as a kubelet
 * does (client-go `util/certificate/csr`): create the CertificateSigningRequest,
 * then watch it until it carries a certificate, is denied or fails.
 */
type Csr = CertificateSigningRequest & KubeObject;
const csrGVR = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };

export interface CertificateRequest {
  key: KeyObject;
  subject: Subject;
  dnsNames?: string[];
  ipAddresses?: string[];
  signerName: string;
  usages: string[];
  /** A fixed name (retries of the same key reuse the request), else `generateName: csr-`. */
  name?: string;
}

export interface RequestOptions {
  /** Where the request goes, for messages. */
  serverURL: string;
  timeoutMs: number;
  clock: Clock;
  log: Logger;
  signal?: AbortSignal;
  /** The credential is a bootstrap token (a 401 then means the token is wrong). */
  bootstrap?: boolean;
}

/**
 * The name kubelet gives its bootstrap request (`node-csr-` + a digest of key,
 * subject and usages), so a restarted join finds the request it already made.
 */
export function digestedCsrName(key: KeyObject, subject: Subject, usages: string[]): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const h = createHash('sha512-256');
  const write = (b: Buffer | string) => {
    h.update(Buffer.from(b).toString('base64url'));
    h.update('|');
  };
  write(publicKey.export({ type: 'spki', format: 'der' }));
  write(subject.commonName);
  for (const o of subject.organizations ?? []) write(o);
  for (const u of usages) write(u);
  return `node-csr-${h.digest('base64url')}`;
}

/** Creates the request and waits for its certificate; returns the certificate PEM. */
export async function requestCertificate(rest: RestClient, r: CertificateRequest, o: RequestOptions): Promise<string> {
  const client = new ResourceClient<Csr>(rest, csrGVR);
  const pem = createCsr(r.key, r.subject, { dnsNames: r.dnsNames, ipAddresses: r.ipAddresses });
  const body: Csr = {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: r.name ? { name: r.name } : { generateName: 'csr-' },
    spec: { request: Buffer.from(pem).toString('base64'), signerName: r.signerName, usages: r.usages },
  };
  let name: string;
  try {
    name = (await client.create(body, { signal: o.signal })).metadata!.name!;
  } catch (err) {
    if (isAlreadyExists(err) && r.name) {
      const existing = await client.get(r.name, { signal: o.signal });
      const theirs = parseCsr(Buffer.from(existing.spec?.request ?? '', 'base64'));
      if (!theirs.publicKey.equals(createPublicKey(r.key)) || existing.spec?.signerName !== r.signerName)
        throw new JoinError('invalid', `certificate signing request ${r.name} exists for another key or signer`);
      name = r.name;
    } else throw explain(err, o);
  }
  o.log.info('waiting for the certificate signing request to be approved and signed', {
    csr: name,
    signer: r.signerName,
  });
  const timer = timeoutSignal(o.timeoutMs, o.clock);
  const both = anySignal([o.signal, timer.signal]);
  try {
    return await waitForCertificate(client, name, both.signal);
  } catch (err) {
    if (o.signal?.aborted) throw err;
    if (timer.signal.aborted)
      throw new JoinError(
        'timeout',
        `certificate signing request ${name} (${r.signerName}) was not signed within ${Math.round(o.timeoutMs / 1000)}s: check \`kubectl get csr\` and that the csrapproving and csrsigning controllers run on the server`,
      );
    throw explain(err, o);
  } finally {
    both.dispose();
    timer.dispose();
  }
}

function explain(err: unknown, o: RequestOptions): unknown {
  if (isUnauthorized(err) && o.bootstrap) return tokenRejected(o.serverURL, err);
  if (isForbidden(err))
    return new JoinError(
      'forbidden',
      `${o.serverURL} does not let this node request certificates: ${(err as Error).message}`,
      { cause: err },
    );
  return explainTransportError(o.serverURL, err) ?? err;
}

/** The certificate once issued; throws for Denied/Failed. Re-watches when a watch ends. */
async function waitForCertificate(client: ResourceClient<Csr>, name: string, signal: AbortSignal): Promise<string> {
  for (;;) {
    const cur = await client.get(name, { signal });
    const done = outcome(cur);
    if (done) return done;
    const watch = await client.watch({
      fieldSelector: `metadata.name=${name}`,
      resourceVersion: cur.metadata?.resourceVersion,
      timeoutSeconds: 300,
      signal,
    });
    try {
      for await (const ev of watch) {
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
        const result = outcome(ev.object);
        if (result) return result;
      }
    } catch (err) {
      // 410 Gone: the watch fell behind; read the object again and watch from there.
      if (!isExpired(err)) throw err;
    } finally {
      watch.close();
    }
  }
}

function outcome(csr: Csr): string | undefined {
  const name = csr.metadata?.name;
  for (const c of csr.status?.conditions ?? []) {
    if (c.type === 'Denied')
      throw new JoinError(
        'denied',
        `certificate signing request ${name} was denied (${c.reason ?? ''}): ${c.message ?? ''}`,
      );
    if (c.type === 'Failed')
      throw new JoinError(
        'denied',
        `certificate signing request ${name} failed (${c.reason ?? ''}): ${c.message ?? ''}`,
      );
  }
  const b64 = csr.status?.certificate;
  if (!b64) return undefined;
  const pem = Buffer.from(b64, 'base64').toString('utf8');
  if (!decodePEM(pem).some((b) => b.label === 'CERTIFICATE'))
    throw new JoinError('invalid', `certificate signing request ${name} carries no PEM certificate`);
  return pem;
}
