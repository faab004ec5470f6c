import { randomInt } from 'node:crypto';
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/flags.js';
import { ResourceClient, type KubeObject } from '../client/index.js';
import { parseDurationMs } from '../api/values/duration.js';
import { kubeconfigOf, dataDirFlag } from './local-paths.js';
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

/** `kubets token create|list|delete`: bootstrap tokens for joining agents (k3s `token` semantics). */
export const tokenCommand: Command = {
  name: 'token',
  summary: 'Create, list or delete bootstrap tokens for joining nodes',
  usage: 'token create|list|delete [ID] [flags]',
  flags: [
    dataDirFlag,
    {
      name: 'kubeconfig',
      type: 'string',
      description: 'Kubeconfig to use (default <data-dir>/kubeconfig.yaml)',
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
    const rest = kubeconfigRest(kubeconfigOf(flags), 'kubets-token');
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
          const tid = randomString(6);
          const secret = randomString(16);
          const groups = flags.groups
            ? String(flags.groups)
                .split(',')
                .map((g) => g.trim())
                .filter(Boolean)
            : undefined;
          await client.create(
            bootstrapTokenSecret(tid, secret, { ttlMs, description: flags.description as string | undefined, groups }),
          );
          stdout.write(`${tid}.${secret}\n`);
          return 0;
        }
        case 'list':
        case 'ls': {
          const list = await client.list({ fieldSelector: 'type=bootstrap.kubernetes.io/token' });
          stdout.write(`${'TOKEN'.padEnd(8)} ${'TTL/EXPIRES'.padEnd(22)} ${'USAGES'.padEnd(26)} DESCRIPTION\n`);
          for (const s of list.items) {
            const d = (s as { data?: Record<string, string> }).data ?? {};
            const dec = (k: string) => (d[k] ? Buffer.from(d[k]!, 'base64').toString() : '');
            const usages = Object.keys(d)
              .filter((k) => k.startsWith('usage-bootstrap-') && dec(k) === 'true')
              .map((k) => k.slice('usage-bootstrap-'.length));
            stdout.write(
              `${dec('token-id').padEnd(8)} ${(dec('expiration') || '<forever>').padEnd(22)} ${usages.join(',').padEnd(26)} ${dec('description')}\n`,
            );
          }
          return 0;
        }
        case 'delete': {
          if (!id) throw new UsageError('delete needs the token id: kubets token delete ID (the part before the dot)');
          await client.delete(`bootstrap-token-${id.split('.')[0]}`);
          stdout.write(`bootstrap token "${id.split('.')[0]}" deleted\n`);
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
