import type { CustomResourceDefinition, JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';
import { list, mapKeys, str, validateImmutable } from './common.js';
import { compileRule } from '../schema/structural/cel-validation.js';
import { FieldPath, omitValue, type FieldError } from './field-error.js';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/**
 * apiextensions.k8s.io/v1 CustomResourceDefinitions: names, group, scope,
 * versions (exactly one storage version, a schema for each) and the basic
 * structural-schema rules (types present at the root, on properties and on
 * array items), and that every `x-kubernetes-validations` rule and
 * messageExpression compiles. Deeper structural checks (metadata
 * restrictions, value validations, CEL cost estimates) are not performed.
 */
const spec = FieldPath.of('spec');
type Schema = JSONSchemaProps & Record<string, unknown>;

function joined(msgs: string[]): string {
  return msgs.join(',');
}

function validateNames(crd: CustomResourceDefinition): FieldError[] {
  const n = crd.spec?.names ?? ({} as CustomResourceDefinition['spec']['names']);
  const p = spec.child('names');
  const errs: FieldError[] = [];
  for (const f of ['plural', 'singular', 'kind', 'listKind'] as const) if (!str(n[f])) errs.push(p.child(f).required());
  for (const f of ['plural', 'singular'] as const) {
    const v = str(n[f]);
    const m = isDNS1035Label(v);
    if (v && m.length) errs.push(p.child(f).invalid(v, joined(m)));
  }
  for (const f of ['kind', 'listKind'] as const) {
    const v = str(n[f]);
    const m = isDNS1035Label(v.toLowerCase());
    if (v && m.length)
      errs.push(p.child(f).invalid(v, `may have mixed case, but should otherwise match: ${joined(m)}`));
  }
  list(n.shortNames).forEach((s, i) => {
    const m = isDNS1035Label(s);
    if (m.length) errs.push(p.child('shortNames').index(i).invalid(s, joined(m)));
  });
  if (str(n.kind) && n.kind === n.listKind)
    errs.push(p.child('listKind').invalid(n.listKind, 'kind and listKind may not be the same'));
  list(n.categories).forEach((c, i) => {
    const m = isDNS1035Label(c);
    if (m.length) errs.push(p.child('categories').index(i).invalid(c, joined(m)));
  });
  return errs;
}

/** The structural rules kubectl users hit most: every specified node needs a type. */
function validateStructural(s: Schema, path: FieldPath, root: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const exempt = s['x-kubernetes-int-or-string'] === true || s['x-kubernetes-preserve-unknown-fields'] === true;
  if (root) {
    if (!s.type) errs.push(path.child('type').required('must not be empty at the root'));
    else if (s.type !== 'object') errs.push(path.child('type').invalid(s.type, 'must be object at the root'));
  }
  const props = s.properties ?? {};
  for (const k of mapKeys(props)) {
    const child = props[k] as Schema;
    const cp = path.child('properties').key(k);
    const childExempt =
      child['x-kubernetes-int-or-string'] === true || child['x-kubernetes-preserve-unknown-fields'] === true;
    if (!child.type && !childExempt)
      errs.push(cp.child('type').required('must not be empty for specified object fields'));
    errs.push(...validateStructural(child, cp, false));
  }
  const items = s.items as Schema | undefined;
  if (items && typeof items === 'object' && !Array.isArray(items)) {
    const ip = path.child('items');
    const itemsExempt =
      items['x-kubernetes-int-or-string'] === true || items['x-kubernetes-preserve-unknown-fields'] === true;
    if (!items.type && !itemsExempt)
      errs.push(ip.child('type').required('must not be empty for specified array items'));
    errs.push(...validateStructural(items, ip, false));
  }
  const ap = s.additionalProperties as Schema | boolean | undefined;
  if (ap && typeof ap === 'object') {
    const app = path.child('additionalProperties');
    const apExempt = ap['x-kubernetes-int-or-string'] === true || ap['x-kubernetes-preserve-unknown-fields'] === true;
    if (!ap.type && !apExempt) errs.push(app.child('type').required('must not be empty for specified object fields'));
    errs.push(...validateStructural(ap, app, false));
  }
  if (!exempt && s.type && !['array', 'boolean', 'integer', 'number', 'object', 'string'].includes(s.type))
    errs.push(path.child('type').notSupported(s.type, ['array', 'boolean', 'integer', 'number', 'object', 'string']));
  return errs;
}

/** Go's %#v of an apiextensions.ValidationRule, as upstream prints the bad value. */
function ruleValue(r: Record<string, unknown>): string {
  const q = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : '');
  const reason = r.reason
    ? `(*apiextensions.FieldValueErrorReason)(${q(r.reason)})`
    : '(*apiextensions.FieldValueErrorReason)(nil)';
  const oos = typeof r.optionalOldSelf === 'boolean' ? `(*bool)(${String(r.optionalOldSelf)})` : '(*bool)(nil)';
  return (
    `apiextensions.ValidationRule{Rule:${q(r.rule)}, Message:${q(r.message)}, MessageExpression:${q(r.messageExpression)}, ` +
    `Reason:${reason}, FieldPath:${q(r.fieldPath)}, OptionalOldSelf:${oos}}`
  );
}

/** Every x-kubernetes-validations rule (and messageExpression) must compile. */
function validateRules(s: Schema, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rules = (s['x-kubernetes-validations'] ?? []) as Record<string, unknown>[];
  rules.forEach((r, i) => {
    const rp = path.child('x-kubernetes-validations').index(i);
    if (typeof r.rule !== 'string' || !r.rule.trim()) {
      errs.push(rp.child('rule').required());
      return;
    }
    const c = compileRule(r as { rule: string });
    if (!c.error) return;
    const field = c.program ? 'messageExpression' : 'rule';
    errs.push({ ...rp.child(field).invalid(omitValue), detail: `${ruleValue(r)}: ${c.error}` });
  });
  for (const k of mapKeys(s.properties ?? {}))
    errs.push(...validateRules(s.properties![k] as Schema, path.child('properties').key(k)));
  const items = s.items as Schema | undefined;
  if (items && typeof items === 'object' && !Array.isArray(items))
    errs.push(...validateRules(items, path.child('items')));
  const ap = s.additionalProperties as Schema | boolean | undefined;
  if (ap && typeof ap === 'object') errs.push(...validateRules(ap, path.child('additionalProperties')));
  ((s.allOf ?? []) as Schema[]).forEach((x, i) => errs.push(...validateRules(x, path.child('allOf').index(i))));
  return errs;
}

function validateSpec(crd: CustomResourceDefinition): FieldError[] {
  const s = crd.spec ?? ({} as CustomResourceDefinition['spec']);
  const errs: FieldError[] = [];
  const group = str(s.group);
  if (!group) errs.push(spec.child('group').required());
  else {
    const m = isDNS1123Subdomain(group);
    if (m.length) errs.push(spec.child('group').invalid(group, joined(m)));
    else if (group.split('.').length < 2)
      errs.push(spec.child('group').invalid(group, 'should be a domain with at least one dot'));
  }
  const scope = str(s.scope);
  if (!scope) errs.push(spec.child('scope').required());
  else if (scope !== 'Cluster' && scope !== 'Namespaced')
    errs.push(spec.child('scope').notSupported(scope, ['Cluster', 'Namespaced']));
  const versions = list(s.versions);
  const names = new Set<string>();
  let unique = true;
  let storage = 0;
  versions.forEach((v, i) => {
    const vp = spec.child('versions').index(i);
    if (v.storage) storage++;
    if (names.has(v.name)) unique = false;
    names.add(v.name);
    const m = isDNS1035Label(str(v.name));
    if (m.length) errs.push(vp.child('name').invalid(str(v.name), joined(m)));
    const schema = v.schema?.openAPIV3Schema as Schema | undefined;
    if (!schema) errs.push(vp.child('schema', 'openAPIV3Schema').required('schemas are required'));
    else {
      errs.push(...validateStructural(schema, vp.child('schema', 'openAPIV3Schema'), true));
      errs.push(...validateRules(schema, vp.child('schema', 'openAPIV3Schema')));
    }
  });
  if (!unique) errs.push(spec.child('versions').invalid(versions, 'must contain unique version names'));
  if (storage !== 1)
    errs.push(spec.child('versions').invalid(versions, 'must have exactly one version marked as storage version'));
  const strategy = s.conversion?.strategy;
  if (strategy !== undefined && strategy !== null && strategy !== 'None' && strategy !== 'Webhook')
    errs.push(spec.child('conversion', 'strategy').notSupported(strategy, ['None', 'Webhook']));
  if (strategy === 'Webhook' && !s.conversion?.webhook)
    errs.push(spec.child('conversion', 'webhook').required('must be set when strategy is set to Webhook'));
  if (s.preserveUnknownFields === true)
    errs.push(
      spec
        .child('preserveUnknownFields')
        .invalid(
          true,
          'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
        ),
    );
  errs.push(...validateNames(crd));
  return errs;
}

function validateStoredVersions(crd: CustomResourceDefinition): FieldError[] {
  const stored = list(crd.status?.storedVersions);
  if (stored.length === 0) return [];
  const p = FieldPath.of('status', 'storedVersions');
  const versions = list(crd.spec?.versions);
  const errs: FieldError[] = [];
  stored.forEach((v, i) => {
    if (!versions.some((sv) => sv.name === v)) errs.push(p.index(i).invalid(v, 'must appear in spec.versions'));
  });
  const storageVersion = versions.find((v) => v.storage)?.name;
  if (storageVersion && !stored.includes(storageVersion))
    errs.push(p.invalid(stored, `must have the storage version ${storageVersion}`));
  return errs;
}

export function validateCustomResourceDefinition(crd: CustomResourceDefinition): FieldError[] {
  const required = `${str(crd.spec?.names?.plural)}.${str(crd.spec?.group)}`;
  const nameFn = (name: string, prefix: boolean) => {
    const errs = nameIsDNSSubdomain(name, prefix);
    if (name !== required) errs.push('must be spec.names.plural+"."+spec.group');
    return errs;
  };
  return [
    ...validateObjectMeta(crd.metadata, false, nameFn, undefined, { kubeFinalizers: false }),
    ...validateSpec(crd),
    ...validateStoredVersions(crd),
  ];
}

export function validateCustomResourceDefinitionUpdate(
  crd: CustomResourceDefinition,
  old: CustomResourceDefinition,
): FieldError[] {
  const errs = [
    ...validateObjectMetaUpdate(crd.metadata, old.metadata, undefined, { kubeFinalizers: false }),
    ...validateSpec(crd),
    ...validateStoredVersions(crd),
  ];
  const established = list(old.status?.conditions).some((c) => c.type === 'Established' && c.status === 'True');
  if (established) {
    errs.push(...validateImmutable(str(crd.spec?.scope), str(old.spec?.scope), spec.child('scope')));
    errs.push(
      ...validateImmutable(str(crd.spec?.names?.kind), str(old.spec?.names?.kind), spec.child('names', 'kind')),
    );
  }
  errs.push(...validateImmutable(str(crd.spec?.group), str(old.spec?.group), spec.child('group')));
  errs.push(
    ...validateImmutable(str(crd.spec?.names?.plural), str(old.spec?.names?.plural), spec.child('names', 'plural')),
  );
  return errs;
}

export function validateCustomResourceDefinitionStatusUpdate(
  crd: CustomResourceDefinition,
  old: CustomResourceDefinition,
): FieldError[] {
  return [
    ...validateObjectMetaUpdate(crd.metadata, old.metadata, undefined, { kubeFinalizers: false }),
    ...validateStoredVersions(crd),
  ];
}
