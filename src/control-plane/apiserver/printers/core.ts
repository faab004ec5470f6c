import type {
  ComponentStatus,
  ConfigMap,
  Namespace,
  Node,
  ResourceQuota,
  Secret,
  ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import { ageColumn, column, docColumn, nameColumn, printer } from './columns.js';
import { age, compareStrings, nameOf, quantity, sortedSet } from './format.js';

/**
 * Core cluster objects (upstream `printNode`, `printNamespace`, `printSecret`,
 * `printConfigMap`, `printServiceAccount`, `printResourceQuota`,
 * `printComponentStatus`).
 */

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** ROLES: `node-role.kubernetes.io/<role>` label keys and `kubernetes.io/role=<role>`, sorted. */
export function nodeRoles(node: Node): string[] {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role) roles.push(role);
    } else if (k === NODE_ROLE_LABEL && v !== '') {
      roles.push(v);
    }
  }
  return sortedSet(roles);
}

/** STATUS: from the Ready condition (`Unknown` without one), plus `SchedulingDisabled` when cordoned. */
export function nodeStatus(node: Node): string {
  // The last condition of a type wins, as in upstream's condition map.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').at(-1);
  const status: string[] = [];
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

export const nodePrinter = printer(
  [
    nameColumn,
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn,
    docColumn('Version', 'string', 'NodeSystemInfo.kubeletVersion'),
    docColumn('Internal-IP', 'string', 'NodeStatus.addresses', { priority: 1 }),
    docColumn('External-IP', 'string', 'NodeStatus.addresses', { priority: 1 }),
    docColumn('OS-Image', 'string', 'NodeSystemInfo.osImage', { priority: 1 }),
    docColumn('Kernel-Version', 'string', 'NodeSystemInfo.kernelVersion', { priority: 1 }),
    docColumn('Container-Runtime', 'string', 'NodeSystemInfo.containerRuntimeVersion', { priority: 1 }),
  ],
  (obj: Node, now) => {
    const info = obj.status?.nodeInfo;
    return [
      nameOf(obj),
      nodeStatus(obj),
      nodeRoles(obj).join(',') || '<none>',
      age(obj, now),
      info?.kubeletVersion ?? '',
      nodeAddress(obj, 'InternalIP'),
      nodeAddress(obj, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
);

export const namespacePrinter = printer(
  [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn],
  (obj: Namespace, now) => [nameOf(obj), obj.status?.phase ?? '', age(obj, now)],
);

export const secretPrinter = printer(
  [nameColumn, docColumn('Type', 'string', 'Secret.type'), docColumn('Data', 'string', 'Secret.data'), ageColumn],
  (obj: Secret, now) => {
    // stringData is merged into data on decode upstream; count the union.
    const keys = new Set([...Object.keys(obj.data ?? {}), ...Object.keys(obj.stringData ?? {})]);
    return [nameOf(obj), obj.type ?? '', keys.size, age(obj, now)];
  },
);

export const configMapPrinter = printer(
  [nameColumn, docColumn('Data', 'string', 'ConfigMap.data'), ageColumn],
  (obj: ConfigMap, now) => [
    nameOf(obj),
    Object.keys(obj.data ?? {}).length + Object.keys(obj.binaryData ?? {}).length,
    age(obj, now),
  ],
);

export const serviceAccountPrinter = printer(
  [nameColumn, docColumn('Secrets', 'string', 'ServiceAccount.secrets'), ageColumn],
  (obj: ServiceAccount, now) => [nameOf(obj), obj.secrets?.length ?? 0, age(obj, now)],
);

/**
 * REQUEST / LIMIT: `resource: used/hard` for every hard limit, sorted by name;
 * `limits.*` resources go to LIMIT, everything else to REQUEST. In v1.32 AGE
 * comes before them (v1.33 moved it last).
 */
export const resourceQuotaPrinter = printer(
  [
    nameColumn,
    ageColumn,
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column(
      'Limit',
      'string',
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    ),
  ],
  (obj: ResourceQuota, now) => {
    const hard = obj.status?.hard ?? {};
    const used = obj.status?.used ?? {};
    const request: string[] = [];
    const limit: string[] = [];
    for (const resource of Object.keys(hard).sort(compareStrings)) {
      const entry = `${resource}: ${quantity(used[resource])}/${quantity(hard[resource])}`;
      const pieces = resource.split('.');
      (pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(entry);
    }
    return [nameOf(obj), age(obj, now), request.join(', '), limit.join(', ')];
  },
);

export const componentStatusPrinter = printer(
  [
    nameColumn,
    column('Status', 'string', 'Status of the component conditions'),
    column('Message', 'string', 'Message of the component conditions'),
    column('Error', 'string', 'Error of the component conditions'),
  ],
  (obj: ComponentStatus) => {
    const healthy = (obj.conditions ?? []).find((c) => c.type === 'Healthy');
    const status = healthy ? (healthy.status === 'True' ? 'Healthy' : 'Unhealthy') : 'Unknown';
    return [nameOf(obj), status, healthy?.message ?? '', healthy?.error ?? ''];
  },
);
