import { admissionregistrationDefaulters } from './admissionregistration.js';
import { apiextensionsDefaulters } from './apiextensions.js';
import { apiregistrationDefaulters } from './apiregistration.js';
import { appsDefaulters } from './apps.js';
import { autoscalingDefaulters } from './autoscaling.js';
import { batchDefaulters } from './batch.js';
import { coreDefaulters } from './core.js';
import { discoveryDefaulters } from './discovery.js';
import { flowcontrolDefaulters } from './flowcontrol.js';
import { networkingDefaulters } from './networking.js';
import { rbacDefaulters } from './rbac.js';
import { schedulingDefaulters } from './scheduling.js';
import { storageDefaulters } from './storage.js';
import { type Defaulter, type DefaulterTable, isObject, versionOf } from './util.js';
import { wireZeroValues } from './wire-zero-values.js';

const GROUP_TABLES: [string, DefaulterTable][] = [
  ['', coreDefaulters],
  ['apps', appsDefaulters],
  ['batch', batchDefaulters],
  ['autoscaling', autoscalingDefaulters],
  ['networking.k8s.io', networkingDefaulters],
  ['rbac.authorization.k8s.io', rbacDefaulters],
  ['storage.k8s.io', storageDefaulters],
  ['scheduling.k8s.io', schedulingDefaulters],
  ['discovery.k8s.io', discoveryDefaulters],
  ['apiextensions.k8s.io', apiextensionsDefaulters],
  ['admissionregistration.k8s.io', admissionregistrationDefaulters],
  ['flowcontrol.apiserver.k8s.io', flowcontrolDefaulters],
  ['apiregistration.k8s.io', apiregistrationDefaulters],
];

const DEFAULTERS: ReadonlyMap<string, Defaulter> = new Map(
  GROUP_TABLES.flatMap(([group, table]) =>
    Object.entries(table).map(([kind, fn]) => [`${group}/${kind}`, fn] as const),
  ),
);

/**
 * Applies upstream v1.32 defaulting to a built-in object, in place, as
 * kube-apiserver does when it decodes a request body or a stored object (so
 * call it on create, update and patch results before validation, and on
 * objects read back from storage when the defaults may have changed).
 * Idempotent: defaulting a defaulted object changes nothing.
 *
 * `version` selects version-specific rules (autoscaling v1 vs v2); when
 * omitted it is taken from `obj.apiVersion`. Unknown group/kind pairs
 * (custom resources, kinds without defaults) are a no-op; a non-object `obj`
 * is ignored. Besides upstream's `SetDefaults_*`, the object gets the
 * always-serialized zero fields a Go server writes (`status: {}`, …; see
 * wire-zero-values.ts).
 */
export function applyDefaults(group: string, kind: string, obj: any, version?: string): void {
  if (!isObject(obj)) return;
  const key = `${group}/${kind}`;
  const v = version ?? versionOf(obj.apiVersion);
  DEFAULTERS.get(key)?.(obj, v);
  wireZeroValues[key]?.(obj, v);
}

/** True when `applyDefaults` knows the kind (has defaults or wire zero values for it). */
export function hasDefaults(group: string, kind: string): boolean {
  const key = `${group}/${kind}`;
  return DEFAULTERS.has(key) || key in wireZeroValues;
}
