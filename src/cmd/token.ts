import { randomInt } from 'node:crypto';
import { delimiter, join, resolve } from 'node:path';
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/flags.js';
import { formatTable } from '../cli/table.js';
import { ResourceClient, type KubeObject } from '../client/index.js';
import { parseDurationMs } from '../api/values/duration.js';
import { shortHumanDuration } from '../api/values/human-duration.js';
import { dataDirFlag, dataDirOf } from './local-paths.js';
import { kubeconfigRest } from './kubeconfig-client.js';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomString = (n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
export const bootstrapGroup = 'system:bootstrappers:kubets:default-node-token';

/** A bootstrap token Secret (`bootstrap.kubernetes.io/token` in kube-system), as kubeadm/k3s create them. */
export function bootstrapTokenSecret(
  id: string,
  secret: string,
  o: { ttlMs?: number; description?: string; usages?: string[]; groups?: string[]; now?: number },
): KubeObject {
  const data: Record<string, string> = { 'token-id': id, 'token-secret': secret };
  if (o.ttlMs && o.ttlMs > 0)
    data.expiration = new Date((o.now ?? Date.now()) + o.ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (o.description) data.description = o.description;
  for (const u of o.usages ?? ['authentication', 'signing']) data[`usage-bootstrap-${u}`] = 'true';
  data['auth-extra-groups'] = (o.groups ?? [bootstrapGroup]).join(',');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    stringData: data,
  } as KubeObject;
}

const secrets = { group: '', version: 'v1', resource: 'secrets' };
/** A bootstrap token: `[a-z0-9]{6}.[a-z0-9]{16}` (upstream `bootstraputil.BootstrapTokenRegexp`). */
const tokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
/** Extra groups a bootstrap token may carry (upstream `bootstrapapi.BootstrapGroupPattern`). */
const bootstrapGroupPattern = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/**
 * The kubeconfig the token commands use, most explicit first: `--kubeconfig`,
 * then `--data-dir`'s admin kubeconfig, then $KUBECONFIG (its first file),
 * then the default data dir's.
 */
export function tokenKubeconfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.kubeconfig) return resolve(String(flags.kubeconfig));
  if (flags['data-dir'] === undefined) {
    const fromEnv = env.KUBECONFIG?.split(delimiter).find(Boolean);
    if (fromEnv) return resolve(fromEnv);
  }
  return join(dataDirOf(flags), 'kubeconfig.yaml');
}

/**
 * `kubeadm token list`'s rows (and k3s's): the full token, the time left
 * (`<forever>` without expiry, `<invalid>` once expired), the expiry in
 * RFC 3339, usages, description and extra groups (`<none>` when empty).
 */
export function tokenListRows(items: readonly KubeObject[], now: number): string[][] {
  const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
  for (const s of items) {
    const d = (s as { data?: Record<string, string> }).data ?? {};
    const dec = (k: string) => (d[k] ? Buffer.from(d[k]!, 'base64').toString() : '');
    const usages = Object.keys(d)
      .filter((k) => k.startsWith('usage-bootstrap-') && dec(k) === 'true')
      .map((k) => k.slice('usage-bootstrap-'.length))
      .sort();
    const expiration = dec('expiration');
    const expires = expiration ? Date.parse(expiration) : NaN;
    rows.push([
      `${dec('token-id')}.${dec('token-secret')}`,
      Number.isNaN(expires) ? '<forever>' : shortHumanDuration(expires - now),
      Number.isNaN(expires) ? '<never>' : expiration,
      usages.join(',') || '<none>',
      dec('description') || '<none>',
      dec('auth-extra-groups') || '<none>',
    ]);
  }
  return rows;
}

/** `kubets token create|list|delete`: bootstrap tokens for joining agents (k3s `token` semantics). */
export const tokenCommand: Command = {
  name: 'token',
  summary: 'Create, list or delete bootstrap tokens for joining nodes',
  usage: 'token create [TOKEN] | list | delete TOKEN|ID [flags]',
  flags: [
    dataDirFlag,
    {
      name: 'kubeconfig',
      type: 'string',
      description:
        'Kubeconfig to use (default: <data-dir>/kubeconfig.yaml with --data-dir, else $KUBECONFIG or the default data dir)',
      placeholder: 'FILE',
    },
    {
      name: 'ttl',
      type: 'string',
      description: 'Lifetime of a new token (0 = never expires)',
      default: '24h',
      placeholder: 'DURATION',
    },
    { name: 'description', type: 'string', description: 'Human-readable description', placeholder: 'TEXT' },
    {
      name: 'groups',
      type: 'string',
      description: 'Extra groups the token authenticates as, comma-separated',
      placeholder: 'LIST',
    },
  ],
  async run({ flags, args, stdout }) {
    const [sub, id] = args;
    const rest = kubeconfigRest(tokenKubeconfig(flags), 'kubets-token');
    const client = new ResourceClient<KubeObject>(rest, secrets, 'kube-system');
    try {
      switch (sub) {
        case 'create': {
          let ttlMs: number;
          try {
            ttlMs = parseDurationMs(String(flags.ttl));
          } catch {
            throw new UsageError(`--ttl takes a duration like 24h or 90m, not "${String(flags.ttl)}"`);
          }
          if (id !== undefined && !tokenPattern.test(id))
            throw new UsageError(`the token must look like [a-z0-9]{6}.[a-z0-9]{16}, not "${id}"`);
          const [tid, secret] = id ? (id.split('.') as [string, string]) : [randomString(6), randomString(16)];
          const groups = flags.groups
            ? String(flags.groups)
                .split(',')
                .map((g) => g.trim())
                .filter(Boolean)
            : undefined;
          for (const g of groups ?? [])
            if (!bootstrapGroupPattern.test(g))
              throw new UsageError(`bootstrap group "${g}" is invalid (must match ${bootstrapGroupPattern.source})`);
          await client.create(
            bootstrapTokenSecret(tid, secret, { ttlMs, description: flags.description as string | undefined, groups }),
          );
          stdout.write(`${tid}.${secret}\n`);
          return 0;
        }
        case 'list':
        case 'ls': {
          const list = await client.list({ fieldSelector: 'type=bootstrap.kubernetes.io/token' });
          // kubeadm's layout: tabwriter with min width 10 and padding 3.
          stdout.write(formatTable(tokenListRows(list.items, Date.now()), { minWidth: 10, padding: 3 }));
          return 0;
        }
        case 'delete': {
          if (!id) throw new UsageError('delete needs the token id: kubets token delete ID (the part before the dot)');
          const tid = id.split('.')[0]!;
          if (!/^[a-z0-9]{6}$/.test(tid))
            throw new UsageError(
              `"${id}" is not a token id: give its 6 characters before the dot ([a-z0-9]{6}), or the whole token`,
            );
          await client.delete(`bootstrap-token-${tid}`);
          stdout.write(`bootstrap token "${tid}" deleted\n`);
          return 0;
        }
        default:
          throw new UsageError(`unknown subcommand "${sub ?? ''}"; use create, list or delete`);
      }
    } finally {
      await rest.dispose();
    }
  },
};
