import { createPrivateKey, type KeyObject } from 'node:crypto';
import { HttpTransport, RestClient, defaultUserAgent } from '../../client/index.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { generateKey, type Subject } from '../../lib/pki/x509.js';
import {
  agentCredentialPaths,
  certificateState,
  ensureDir,
  nodeKubeconfig,
  readIfExists,
  removeFile,
  writeSecretFile,
  type AgentCredentialPaths,
} from './agent-credentials.js';
import { discoverCluster } from './cluster-discovery.js';
import { digestedCsrName, requestCertificate } from './csr-request.js';
import { explainTransportError, JoinError } from './join-errors.js';
import { parseJoinToken } from './join-token.js';

/**
 * TLS bootstrapping of a joining node (`kubets agent --server URL --token T`),
 * the kubelet's `--bootstrap-kubeconfig` flow:
 * 1. discover and authenticate the cluster CA through `cluster-info` and the
 *    token's JWS signature (cluster-discovery.ts);
 * 2. with the token as bearer, request a client certificate for
 *    `system:node:<name>` in `system:nodes` (signer
 *    `kubernetes.io/kube-apiserver-client-kubelet`; auto-approved as nodeclient);
 * 3. with that certificate, request a serving certificate for the node's
 *    name and IPs (`kubernetes.io/kubelet-serving`);
 * 4. keep everything under `<data-dir>/agent`. A restart reuses what is still
 *    valid without the token; certificates past 80% of their lifetime are
 *    renewed with the node's own certificate (selfnodeclient), so a node
 *    whose token expired long ago keeps working.
 */
export interface JoinOptions {
  serverURL: string;
  /** The bootstrap token; only needed when there is no valid client certificate yet. */
  token?: string;
  nodeName: string;
  /** Addresses the serving certificate covers (the node's InternalIP first). */
  nodeIPs: string[];
  /** Extra DNS names for the serving certificate (the approver accepts the node name and the Node's DNS addresses). */
  dnsNames?: string[];
  dataDir: string;
  clock?: Clock;
  log?: Logger;
  signal?: AbortSignal;
  /** How long to wait for cluster-info to be reachable and signed for the token (default 30 s). */
  discoveryTimeoutMs?: number;
  /** How long to wait for each certificate to be approved and signed (default 5 min). */
  certificateTimeoutMs?: number;
}

export interface NodeCredentials {
  /** The server CA, PEM. */
  caPEM: string;
  /** The client CA (what the kubelet server accepts client certificates from). */
  clientCAPEM: string;
  clientCert: string;
  clientKey: string;
  servingCert: string;
  servingKey: string;
  paths: AgentCredentialPaths;
}

const clientUsages = ['digital signature', 'client auth'];
const servingUsages = ['digital signature', 'server auth'];

export async function joinCluster(o: JoinOptions): Promise<NodeCredentials> {
  const clock = o.clock ?? realClock;
  const log = o.log ?? nullLogger;
  const p = agentCredentialPaths(o.dataDir);
  ensureDir(p.dir);
  const subject: Subject = { commonName: `system:node:${o.nodeName}`, organizations: ['system:nodes'] };
  const reqOpts = {
    serverURL: o.serverURL,
    timeoutMs: o.certificateTimeoutMs ?? 5 * 60_000,
    clock,
    log,
    signal: o.signal,
  };

  let caPEM = readIfExists(p.serverCA);
  let clientCAPEM = readIfExists(p.clientCA) ?? caPEM;
  let clientCert = readIfExists(p.clientCert);
  let clientKey = readIfExists(p.clientKey);
  const clientCheck = () =>
    caPEM && clientCAPEM
      ? certificateState(clientCert, clientKey, {
          caPEM: clientCAPEM,
          commonName: subject.commonName,
          now: clock.now(),
        })
      : 'invalid';

  if (clientCheck() === 'invalid') {
    if (!o.token)
      throw new JoinError(
        'invalid',
        `no valid node credentials in ${p.dir} and no join token to get new ones: pass --token (kubets token create on the server)`,
      );
    const token = parseJoinToken(o.token);
    log.info('discovering the cluster CA', { server: o.serverURL });
    const found = await discoverCluster({
      serverURL: o.serverURL,
      token,
      timeoutMs: o.discoveryTimeoutMs ?? 30_000,
      clock,
      log,
      signal: o.signal,
    });
    caPEM = found.caPEM;
    clientCAPEM = found.clientCAPEM;
    writeSecretFile(p.serverCA, caPEM);
    writeSecretFile(p.clientCA, clientCAPEM);
    // A key whose request may still be pending is reused, so a restart waits on the same CSR.
    const pending = readIfExists(p.pendingClientKey);
    const keyPEM = pending ?? generateKey().privateKeyPEM;
    if (!pending) writeSecretFile(p.pendingClientKey, keyPEM);
    const key = createPrivateKey(keyPEM);
    const rest = restClient(o.serverURL, { ca: caPEM, token: `${token.id}.${token.secret}` }, clock, log);
    try {
      clientCert = await requestCertificate(
        rest,
        {
          key,
          subject,
          signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
          usages: clientUsages,
          name: digestedCsrName(key, subject, clientUsages),
        },
        { ...reqOpts, bootstrap: true },
      );
    } finally {
      await rest.dispose();
    }
    clientKey = keyPEM;
    writeSecretFile(p.clientKey, clientKey);
    writeSecretFile(p.clientCert, clientCert);
    removeFile(p.pendingClientKey);
    log.info('node client certificate issued', { node: o.nodeName });
  } else {
    // Credentials from an earlier run: make sure this server is still the cluster they belong to.
    await checkServer(o.serverURL, caPEM!, clientCert!, clientKey!, clock, log);
    if (clientCheck() === 'renew') {
      const renewed = await renew(o, p, subject, caPEM!, clientCert!, clientKey!, reqOpts, log);
      if (renewed) ({ cert: clientCert, key: clientKey } = renewed);
    }
  }

  const sans = [o.nodeName, ...(o.dnsNames ?? []), ...o.nodeIPs];
  let servingCert = readIfExists(p.servingCert);
  let servingKey = readIfExists(p.servingKey);
  const servingState = certificateState(servingCert, servingKey, {
    caPEM: caPEM!,
    commonName: subject.commonName,
    sans,
    now: clock.now(),
  });
  if (servingState !== 'valid') {
    const key = generateKey();
    const rest = restClient(o.serverURL, { ca: caPEM!, cert: clientCert!, key: clientKey! }, clock, log);
    try {
      const cert = await requestCertificate(
        rest,
        {
          key: key.privateKey,
          subject,
          dnsNames: [o.nodeName, ...(o.dnsNames ?? [])],
          ipAddresses: o.nodeIPs,
          signerName: 'kubernetes.io/kubelet-serving',
          usages: servingUsages,
        },
        reqOpts,
      );
      servingCert = cert;
      servingKey = key.privateKeyPEM;
      writeSecretFile(p.servingKey, servingKey);
      writeSecretFile(p.servingCert, servingCert);
      log.info('kubelet serving certificate issued', { node: o.nodeName, sans });
    } catch (err) {
      if (servingState === 'invalid') throw err;
      log.warn('renewing the kubelet serving certificate failed; using the current one', { err });
    } finally {
      await rest.dispose();
    }
  }
  writeSecretFile(p.kubeconfig, nodeKubeconfig(o.serverURL, p));
  return {
    caPEM: caPEM!,
    clientCAPEM: clientCAPEM!,
    clientCert: clientCert!,
    clientKey: clientKey!,
    servingCert: servingCert!,
    servingKey: servingKey!,
    paths: p,
  };
}

function restClient(
  server: string,
  cred: { ca: string; token?: string; cert?: string; key?: string },
  clock: Clock,
  log: Logger,
): RestClient {
  return new RestClient({
    transport: new HttpTransport({ server, ...cred, userAgent: defaultUserAgent('kubets-agent'), clock, log }),
    maxRetries: 2,
    clock,
    log,
  });
}

/** A client certificate past 80% of its life is replaced through the node's own identity (selfnodeclient). */
async function renew(
  o: JoinOptions,
  p: AgentCredentialPaths,
  subject: Subject,
  caPEM: string,
  cert: string,
  keyPEM: string,
  reqOpts: Parameters<typeof requestCertificate>[2],
  log: Logger,
): Promise<{ cert: string; key: string } | undefined> {
  const next = generateKey();
  const rest = restClient(o.serverURL, { ca: caPEM, cert, key: keyPEM }, reqOpts.clock, log);
  try {
    const issued = await requestCertificate(
      rest,
      {
        key: next.privateKey as KeyObject,
        subject,
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        usages: clientUsages,
      },
      reqOpts,
    );
    writeSecretFile(p.clientKey, next.privateKeyPEM);
    writeSecretFile(p.clientCert, issued);
    log.info('node client certificate renewed', { node: o.nodeName });
    return { cert: issued, key: next.privateKeyPEM };
  } catch (err) {
    log.warn('renewing the node client certificate failed; using the current one until it expires', { err });
    return undefined;
  } finally {
    await rest.dispose();
  }
}

/**
 * One authenticated request with the stored credentials, so a reinstalled or
 * foreign server is a clear error. An unreachable server is only logged: the
 * node may still reach the cluster's other servers.
 */
async function checkServer(
  url: string,
  ca: string,
  cert: string,
  key: string,
  clock: Clock,
  log: Logger,
): Promise<void> {
  const rest = restClient(url, { ca, cert, key }, clock, log);
  try {
    await rest.requestObject({ method: 'GET', path: '/version', timeoutMs: 10_000 });
  } catch (err) {
    const explained = explainTransportError(url, err);
    if (explained?.code === 'unreachable')
      log.warn('the join server is unreachable; using the stored credentials', { err });
    else throw explained ?? err;
  } finally {
    await rest.dispose();
  }
}
