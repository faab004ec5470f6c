/**
 * Agents joining with the server token (`kubets agent --token $(cat
 * <data-dir>/server/token)`, as k3s users do). Every server keeps the
 * bootstrap token derived from its server token (join-token.ts,
 * deriveBootstrapToken) as a `kube-system/bootstrap-token-<id>` Secret, so
 * the ordinary TLS-bootstrap path (signed cluster-info, CSR auto-approval)
 * serves agents that were given the server token. All servers of a cluster
 * share one token, so they write the same Secret; writing it is idempotent.
 */
import type { Secret } from 'kubernetes-types/core/v1.js';
import { ResourceClient, gvr, type KubeObject, type RestClient } from '../client/index.js';
import { deriveBootstrapToken } from '../node/bootstrap/join-token.js';
import { ensureServerToken, parseServerToken } from './ha/server-token.js';
import { haPaths } from './ha/ha-datastore.js';
import { bootstrapGroup, bootstrapTokenSecret } from './token.js';

export const derivedTokenDescription = 'derived from the server token';
/** Marks the derived Secret, so a Secret derived from an earlier token can be found and removed. */
export const derivedTokenLabel = 'kubets.io/derived-from';
const fieldManager = 'kubets-server-token';

/** The `bootstrap-token-<id>` Secret derived from `serverToken` (no expiry; authentication and signing). */
export function derivedBootstrapTokenSecret(serverToken: string): Secret & KubeObject {
  const { id, secret } = deriveBootstrapToken(parseServerToken(serverToken).password);
  const base = bootstrapTokenSecret(id, secret, {
    description: derivedTokenDescription,
    usages: ['authentication', 'signing'],
    groups: [bootstrapGroup],
  }) as Secret & KubeObject;
  // `data`, not `stringData`: an applied configuration should name the fields the object keeps.
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(base.stringData ?? {})) data[k] = Buffer.from(v).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { ...base.metadata, labels: { [derivedTokenLabel]: 'server-token' } },
    type: base.type,
    data,
  };
}

/**
 * Server-side applies the derived Secret and deletes Secrets derived from an
 * earlier server token (a data dir whose token file was replaced). Returns
 * the Secret's name.
 */
export async function ensureDerivedBootstrapToken(rest: RestClient, serverToken: string): Promise<string> {
  const secrets = new ResourceClient<Secret & KubeObject>(rest, gvr('', 'v1', 'secrets'), 'kube-system');
  const want = derivedBootstrapTokenSecret(serverToken);
  const name = want.metadata!.name!;
  await secrets.apply(want, { fieldManager, force: true });
  const stale = await secrets.list({ labelSelector: `${derivedTokenLabel}=server-token` });
  for (const s of stale.items) {
    if (s.metadata?.name === name) continue;
    await secrets.delete(s.metadata!.name!, { preconditions: { uid: s.metadata?.uid } }).catch(() => undefined);
  }
  return name;
}

export interface NodeTokenResult {
  /** The server token (`K10<ca-hash>::server:<password>`). */
  token: string;
  /** Where it is stored: `<data-dir>/server/token`. */
  path: string;
  /** The derived bootstrap token Secret. */
  secretName: string;
}

/**
 * At server start: settles the server token (`given` = `--token`, kept in
 * `<data-dir>/server/token`, generated on first start when not given; an HA
 * server has already settled it) and writes its derived bootstrap token.
 */
export async function ensureNodeToken(o: {
  rest: RestClient;
  dataDir: string;
  caPEM: string;
  given?: string;
  /** The token an HA server already settled (ha-datastore). */
  settled?: string;
}): Promise<NodeTokenResult> {
  const path = haPaths(o.dataDir).token;
  const token = o.settled ?? ensureServerToken(path, o.caPEM, o.given);
  const secretName = await ensureDerivedBootstrapToken(o.rest, token);
  return { token, path, secretName };
}
