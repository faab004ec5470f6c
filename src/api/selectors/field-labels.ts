import { badRequest } from '../errors/status-error.js';
import type { FieldMatcher } from './field-selector.js';

/**
 * Which field labels each resource accepts in `?fieldSelector=` and the values
 * they read from an object. Upstream keeps two separate lists and so do we:
 *
 * - acceptance: the per-kind conversion funcs registered with
 *   AddFieldLabelConversionFunc (pkg/apis/<group>/<version>/conversion.go).
 *   A kind without one (every apps/* kind, ConfigMaps, CRDs, ...) falls back to
 *   runtime.DefaultMetaV1FieldSelectorConversion: metadata.name and
 *   metadata.namespace only, with a different message.
 * - values: the registries' ToSelectableFields/GetAttrs. A label accepted but
 *   never set reads as "" — e.g. pods accept `status.podIPs` but upstream's
 *   PodToSelectableFields does not set it, so `status.podIPs=<ip>` matches no pod.
 */
type Extract = (obj: any) => string;

interface ResourceFields {
  /** Labels accepted, beyond metadata.name (and metadata.namespace when namespaced). */
  accepted: readonly string[];
  namespaced: boolean;
  /** Accepted spellings rewritten to another label before matching. */
  aliases?: Readonly<Record<string, string>>;
  values: Readonly<Record<string, Extract>>;
  reject?: (label: string) => string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));
const bool = (v: unknown): string => (v === true ? 'true' : 'false');
const int = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? String(Math.trunc(v)) : '0');

const coreEventValues: Record<string, Extract> = {
  'involvedObject.kind': (o) => str(o.involvedObject?.kind),
  'involvedObject.namespace': (o) => str(o.involvedObject?.namespace),
  'involvedObject.name': (o) => str(o.involvedObject?.name),
  'involvedObject.uid': (o) => str(o.involvedObject?.uid),
  'involvedObject.apiVersion': (o) => str(o.involvedObject?.apiVersion),
  'involvedObject.resourceVersion': (o) => str(o.involvedObject?.resourceVersion),
  'involvedObject.fieldPath': (o) => str(o.involvedObject?.fieldPath),
  reason: (o) => str(o.reason),
  reportingComponent: (o) => str(o.reportingComponent),
  // The event's source component, falling back to the reporting controller.
  source: (o) => str(o.source?.component) || str(o.reportingComponent),
  type: (o) => str(o.type),
};

/** events.k8s.io Events read `regarding`, falling back to the core spelling for core-shaped objects. */
const ref = (o: any) => o.regarding ?? o.involvedObject;
const eventsV1Values: Record<string, Extract> = {
  'regarding.kind': (o) => str(ref(o)?.kind),
  'regarding.namespace': (o) => str(ref(o)?.namespace),
  'regarding.name': (o) => str(ref(o)?.name),
  'regarding.uid': (o) => str(ref(o)?.uid),
  'regarding.apiVersion': (o) => str(ref(o)?.apiVersion),
  'regarding.resourceVersion': (o) => str(ref(o)?.resourceVersion),
  'regarding.fieldPath': (o) => str(ref(o)?.fieldPath),
  reason: (o) => str(o.reason),
  reportingController: (o) => str(o.reportingController ?? o.reportingComponent),
  type: (o) => str(o.type),
};

const table: Record<string, ResourceFields> = {
  '/pods': {
    namespaced: true,
    accepted: [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.podIPs',
      'status.nominatedNodeName',
    ],
    // Old v1 clients send spec.host.
    aliases: { 'spec.host': 'spec.nodeName' },
    values: {
      'spec.nodeName': (o) => str(o.spec?.nodeName),
      'spec.restartPolicy': (o) => str(o.spec?.restartPolicy),
      'spec.schedulerName': (o) => str(o.spec?.schedulerName),
      'spec.serviceAccountName': (o) => str(o.spec?.serviceAccountName),
      'spec.hostNetwork': (o) => bool(o.spec?.hostNetwork),
      'status.phase': (o) => str(o.status?.phase),
      // The primary IP: podIPs[0], which the API server keeps equal to podIP.
      'status.podIP': (o) => str(o.status?.podIPs?.[0]?.ip ?? o.status?.podIP),
      'status.nominatedNodeName': (o) => str(o.status?.nominatedNodeName),
    },
  },
  '/nodes': {
    namespaced: false,
    accepted: ['spec.unschedulable'],
    values: { 'spec.unschedulable': (o) => bool(o.spec?.unschedulable) },
  },
  '/namespaces': {
    namespaced: false,
    accepted: ['status.phase'],
    values: { 'status.phase': (o) => str(o.status?.phase) },
  },
  '/secrets': {
    namespaced: true,
    accepted: ['type'],
    values: { type: (o) => str(o.type) },
  },
  '/services': {
    namespaced: true,
    accepted: ['spec.clusterIP', 'spec.type'],
    values: { 'spec.clusterIP': (o) => str(o.spec?.clusterIP), 'spec.type': (o) => str(o.spec?.type) },
  },
  '/replicationcontrollers': {
    namespaced: true,
    accepted: ['status.replicas'],
    values: { 'status.replicas': (o) => int(o.status?.replicas) },
  },
  '/events': {
    namespaced: true,
    accepted: Object.keys(coreEventValues),
    values: coreEventValues,
  },
  'events.k8s.io/events': {
    namespaced: true,
    accepted: Object.keys(eventsV1Values),
    values: eventsV1Values,
  },
  'batch/jobs': {
    namespaced: true,
    accepted: ['status.successful'],
    values: { 'status.successful': (o) => int(o.status?.succeeded) },
    reject: (label) => `field label ${JSON.stringify(label)} not supported for Job`,
  },
  'certificates.k8s.io/certificatesigningrequests': {
    namespaced: false,
    accepted: ['spec.signerName'],
    values: { 'spec.signerName': (o) => str(o.spec?.signerName) },
  },
  'certificates.k8s.io/clustertrustbundles': {
    namespaced: false,
    accepted: ['spec.signerName'],
    values: { 'spec.signerName': (o) => str(o.spec?.signerName) },
  },
};

/** Upstream's fallback for kinds without a conversion func. */
const defaultReject = (label: string) =>
  `${JSON.stringify(label)} is not a known field selector: only "metadata.name", "metadata.namespace"`;

function lookup(group: string, resource: string): ResourceFields | undefined {
  return table[`${group}/${resource}`];
}

/** The labels `validateFieldSelector` accepts for a resource (aliases excluded). */
export function supportedFieldLabels(group: string, resource: string): string[] {
  const spec = lookup(group, resource);
  if (!spec) return ['metadata.name', 'metadata.namespace'];
  return ['metadata.name', ...(spec.namespaced ? ['metadata.namespace'] : []), ...spec.accepted];
}

/**
 * The field set a selector is matched against (upstream GetAttrs): always
 * metadata.name and metadata.namespace, plus the resource's own labels. Values
 * are strings; booleans render "true"/"false", counts in decimal.
 */
export function fieldsOf(group: string, resource: string, obj: any): Record<string, string> {
  const out: Record<string, string> = {
    'metadata.name': str(obj?.metadata?.name),
    'metadata.namespace': str(obj?.metadata?.namespace),
  };
  const spec = lookup(group, resource);
  if (spec && obj) for (const [label, get] of Object.entries(spec.values)) out[label] = get(obj);
  return out;
}

/**
 * Checks every label of a parsed selector against the resource (upstream
 * ConvertFieldLabel via Selector.Transform) and returns the selector to match
 * with, aliases rewritten (pods' `spec.host` -> `spec.nodeName`). Throws a 400
 * StatusError with upstream's message for an unsupported label, e.g.
 * `field label not supported: spec.foo`.
 */
export function validateFieldSelector(group: string, resource: string, selector: FieldMatcher): FieldMatcher {
  const spec = lookup(group, resource);
  const accepted = new Set(supportedFieldLabels(group, resource));
  const reject = spec ? (spec.reject ?? ((l: string) => `field label not supported: ${l}`)) : defaultReject;
  return selector.transform((field, value) => {
    const alias = spec?.aliases?.[field];
    if (alias !== undefined) return { field: alias, value };
    if (!accepted.has(field)) throw badRequest(reject(field));
    return { field, value };
  });
}
