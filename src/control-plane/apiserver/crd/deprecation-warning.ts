import type {
  CustomResourceDefinitionSpec,
  CustomResourceDefinitionVersion,
} from 'kubernetes-types/apiextensions/v1.js';
import { compareKubeAwareVersions } from '../../../api/scheme/group-order.js';
import type { ValidatingAdmissionPlugin } from '../admission/types.js';

/**
 * The warning a request to a deprecated CRD version carries (upstream
 * crdHandler): the version's `deprecationWarning`, else
 * `<group>/<version> <Kind> is deprecated; use <group>/<newer> <Kind>` naming
 * the most preferred served, non-deprecated version newer than this one.
 * Undefined for versions that are not deprecated or whose warning is empty.
 */
export function deprecationWarningFor(
  spec: CustomResourceDefinitionSpec,
  v: CustomResourceDefinitionVersion,
): string | undefined {
  if (!v.deprecated) return undefined;
  if (v.deprecationWarning !== undefined) return v.deprecationWarning || undefined;
  const kind = spec.names.kind;
  const msg = `${spec.group}/${v.name} ${kind} is deprecated`;
  const newer = spec.versions
    .filter((o) => o.served && !o.deprecated && compareKubeAwareVersions(o.name, v.name) < 0)
    .map((o) => o.name)
    .sort(compareKubeAwareVersions);
  return newer.length ? `${msg}; use ${spec.group}/${newer[0]} ${kind}` : msg;
}

/** Key of a served CRD version in the warnings map. */
export const servedVersionKey = (group: string, version: string, plural: string) => `${group}/${version}/${plural}`;

/**
 * Adds the deprecation warning to writes of deprecated CRD versions (the
 * `Warning: 299` response header). `warnings` is read on every request, so
 * CRD changes apply at once. Reads are not covered: they pass no admission.
 */
export function deprecationWarningPlugin(warnings: () => ReadonlyMap<string, string>): ValidatingAdmissionPlugin {
  const find = (a: Parameters<ValidatingAdmissionPlugin['handles']>[0]) =>
    a.subresource === '' || a.subresource === 'status' || a.subresource === 'scale'
      ? warnings().get(servedVersionKey(a.resource.group, a.resource.version, a.resource.plural))
      : undefined;
  return {
    name: 'CustomResourceDeprecation',
    handles: (a) => find(a) !== undefined,
    validate(a) {
      const w = find(a);
      if (w !== undefined && !a.ctx.warnings.includes(w)) a.ctx.warnings.push(w);
    },
  };
}
