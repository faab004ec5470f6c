import { X509Certificate } from 'node:crypto';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { parse } from 'yaml';
import { StatusError } from '../../api/errors/status-error.js';
import { HttpTransport, RestClient, defaultUserAgent, isTransportError } from '../../client/index.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { detachedTokenIsValid } from '../../lib/pki/jws.js';
import { caMismatch, explainTransportError, JoinError, tokenRejected, unreachable } from './join-errors.js';
import { caPEMHash, type JoinToken } from './join-token.js';

/**
 * Token discovery of the cluster CA (kubeadm's `discovery/token`): read
 * `kube-public/cluster-info` anonymously over TLS that verifies nothing (the
 * token's secret never goes over that connection), check the detached JWS
 * the bootstrap signer made with this token, and only then trust the CA in
 * its kubeconfig. The same ConfigMap is then read again over TLS verified
 * with that CA: a server that cannot prove it holds the CA is refused, and
 * the client CA published next to the kubeconfig is taken from that copy.
 *
 * A missing signature is waited for until `timeoutMs` (a token created a
 * moment ago may not be signed yet); then it is a rejected token.
 */
export const clusterInfoPath = '/api/v1/namespaces/kube-public/configmaps/cluster-info';
/** The key where kubets publishes its client CA next to the kubeconfig (kubeadm clusters have one CA). */
export const clientCAKey = 'client-ca.crt';

export interface DiscoveryOptions {
  serverURL: string;
  token: JoinToken;
  timeoutMs: number;
  clock: Clock;
  log: Logger;
  signal?: AbortSignal;
}

export interface DiscoveredCluster {
  /** The CA that signs API server certificates. */
  caPEM: string;
  /** The CA of client certificates (the API server's kubelet client certificate chains to it). */
  clientCAPEM: string;
  /** The server URL the cluster advertises in cluster-info. */
  advertisedServer?: string;
}

function client(serverURL: string, tls: { ca?: string; insecure?: boolean }, clock: Clock, log: Logger): RestClient {
  return new RestClient({
    transport: new HttpTransport({
      server: serverURL,
      ca: tls.ca,
      insecureSkipTLSVerify: tls.insecure,
      http2: false,
      userAgent: defaultUserAgent('kubets-agent'),
      clock,
      log,
    }),
    rateLimiter: null,
    maxRetries: 0,
    timeoutMs: 10_000,
    clock,
    log,
  });
}

function readKubeconfig(text: string): { ca: string; server?: string } {
  const doc = parse(text) as { clusters?: { cluster?: Record<string, string> }[] } | null;
  const cluster = doc?.clusters?.[0]?.cluster;
  const data = cluster?.['certificate-authority-data'];
  if (!data) throw new Error('the cluster-info kubeconfig has no certificate-authority-data');
  const ca = Buffer.from(data, 'base64').toString('utf8');
  new X509Certificate(ca);
  return { ca, server: cluster.server };
}

export async function discoverCluster(o: DiscoveryOptions): Promise<DiscoveredCluster> {
  const url = o.serverURL;
  const deadline = o.clock.monotonic() + o.timeoutMs;
  const insecure = client(url, { insecure: true }, o.clock, o.log);
  let kubeconfig: string;
  let found: { ca: string; server?: string };
  try {
    for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
      let problem: JoinError;
      try {
        const cm = await insecure.requestObject<ConfigMap>({ method: 'GET', path: clusterInfoPath, signal: o.signal });
        const content = cm.data?.kubeconfig;
        const signature = cm.data?.[`jws-kubeconfig-${o.token.id}`];
        if (content === undefined) {
          problem = new JoinError('invalid', `kube-public/cluster-info on ${url} has no kubeconfig`);
        } else if (!signature || !detachedTokenIsValid(signature, content, o.token.id, o.token.secret)) {
          // No signature for this token id, or one made with another secret.
          problem = tokenRejected(url);
        } else {
          kubeconfig = content;
          found = readKubeconfig(content);
          break;
        }
      } catch (err) {
        if (o.signal?.aborted) throw err;
        if (err instanceof StatusError) {
          const code = err.code;
          problem =
            code === 404
              ? new JoinError('invalid', `${url} has not published kube-public/cluster-info (is it a kubets server?)`)
              : new JoinError(
                  'forbidden',
                  `${url} refused the anonymous read of kube-public/cluster-info (${code} ${(err as Error).message})`,
                  { cause: err },
                );
        } else if (isTransportError(err)) problem = unreachable(url, err);
        else throw err;
      }
      if (o.clock.monotonic() + delay > deadline) throw problem;
      o.log.debug('waiting for cluster-info', { reason: problem.message });
      await o.clock.sleep(delay, o.signal);
    }
  } finally {
    await insecure.dispose();
  }
  if (o.token.caHash && caPEMHash(found.ca) !== o.token.caHash)
    throw caMismatch(
      url,
      `the cluster CA hashes to ${caPEMHash(found.ca).slice(0, 12)}…, the token expects ${o.token.caHash.slice(0, 12)}…`,
    );

  const verified = client(url, { ca: found.ca }, o.clock, o.log);
  try {
    const cm = await verified.requestObject<ConfigMap>({ method: 'GET', path: clusterInfoPath, signal: o.signal });
    if (cm.data?.kubeconfig !== kubeconfig!)
      throw caMismatch(
        url,
        'cluster-info read over verified TLS differs from the copy the token signature vouched for',
      );
    const clientCA = cm.data?.[clientCAKey];
    return { caPEM: found.ca, clientCAPEM: clientCA || found.ca, advertisedServer: found.server };
  } catch (err) {
    throw explainTransportError(url, err) ?? err;
  } finally {
    await verified.dispose();
  }
}
