import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { protobufKinds, schema } from './kinds.js';
import { parseField, type MessageDescriptor } from './schema.js';

/** JSON names a message contributes to its JSON object, inlined structs flattened. */
function jsonNames(desc: MessageDescriptor): string[] {
  return desc.fields.flatMap((f) =>
    f.inline && f.value.kind === 'message' ? jsonNames(schema.get(f.value.message)) : [f.json],
  );
}

test('the field spec grammar', () => {
  assert.deepEqual(parseField('core', 'x', '3 *int32'), {
    number: 3,
    json: 'x',
    inline: false,
    repeated: false,
    map: false,
    value: { kind: 'scalar', scalar: 'int32' },
    presence: 'pointer',
  });
  assert.deepEqual(parseField('core', 'ports', '6 []ContainerPort').value, {
    kind: 'message',
    message: 'core.ContainerPort',
  });
  assert.equal(parseField('core', 'ports', '6 []ContainerPort').repeated, true);
  const m = parseField('core', 'limits', '1 map<string,quantity>');
  assert.deepEqual([m.map, m.value], [true, { kind: 'wellknown', wellKnown: 'quantity' }]);
  assert.equal(parseField('core', 'name', '1 string!').presence, 'required');
  assert.equal(parseField('core', 'image', '2 string').presence, 'value');
  assert.equal(parseField('core', '...', '2 VolumeSource').inline, true);
  assert.deepEqual(parseField('apps', 'x', '1 meta.LabelSelector').value, {
    kind: 'message',
    message: 'meta.LabelSelector',
  });
  assert.throws(() => parseField('core', 'x', 'one string'), /bad spec/);
  assert.throws(() => schema.get('core.Nope'), /unknown message/);
});

test('every message compiles: references resolve, numbers and JSON names are unique', () => {
  for (const name of schema.names()) {
    const desc = schema.get(name);
    const numbers = desc.fields.map((f) => f.number);
    assert.equal(new Set(numbers).size, numbers.length, `${name}: duplicate field number`);
    assert.ok(
      numbers.every((n) => Number.isInteger(n) && n > 0),
      `${name}: bad field number`,
    );
    for (const f of desc.fields) {
      if (f.value.kind === 'message')
        assert.ok(schema.has(f.value.message), `${name}.${f.json}: ${f.value.message} missing`);
      if (f.inline) assert.equal(f.value.kind, 'message', `${name}: inline of a non-message`);
    }
    const names = jsonNames(desc);
    assert.equal(new Set(names).size, names.length, `${name}: JSON name collision after inlining`);
  }
});

test('every kubectl typed-path kind is known, with its list where it has one', () => {
  const kinds = new Set(protobufKinds().map((k) => `${k.apiVersion}/${k.kind}`));
  for (const k of [
    'apps/v1/Deployment',
    'v1/ConfigMap',
    'v1/Secret',
    'v1/Namespace',
    'v1/ServiceAccount',
    'v1/Service',
    'v1/Pod',
    'batch/v1/Job',
    'batch/v1/CronJob',
    'rbac.authorization.k8s.io/v1/Role',
    'rbac.authorization.k8s.io/v1/RoleBinding',
    'rbac.authorization.k8s.io/v1/ClusterRole',
    'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
    'v1/ResourceQuota',
    'policy/v1/PodDisruptionBudget',
    'scheduling.k8s.io/v1/PriorityClass',
    'networking.k8s.io/v1/Ingress',
    'authentication.k8s.io/v1/TokenRequest',
    'authorization.k8s.io/v1/SelfSubjectAccessReview',
    'authorization.k8s.io/v1/SelfSubjectRulesReview',
    'authentication.k8s.io/v1/SelfSubjectReview',
    'autoscaling/v1/HorizontalPodAutoscaler',
    'v1/Binding',
    'policy/v1/Eviction',
    'autoscaling/v1/Scale',
    'apps/v1/DeploymentList',
    'v1/PodList',
  ]) {
    assert.ok(kinds.has(k), k);
  }
});

/** Interface name → property names, from a kubernetes-types declaration file. */
function interfaces(file: string): Map<string, Set<string>> {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const out = new Map<string, Set<string>>();
  src.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node)) return;
    const props = new Set<string>();
    for (const m of node.members) if (m.name && ts.isIdentifier(m.name)) props.add(m.name.text);
    out.set(node.name.text, props);
  });
  return out;
}

const typesRoot = dirname(createRequire(import.meta.url).resolve('kubernetes-types/package.json'));
const typeFiles: Record<string, string> = {
  meta: 'meta/v1.d.ts',
  core: 'core/v1.d.ts',
  apps: 'apps/v1.d.ts',
  batch: 'batch/v1.d.ts',
  rbac: 'rbac/v1.d.ts',
  authentication: 'authentication/v1.d.ts',
  authorization: 'authorization/v1.d.ts',
  policy: 'policy/v1.d.ts',
  scheduling: 'scheduling/v1.d.ts',
  networking: 'networking/v1.d.ts',
  autoscaling: 'autoscaling/v1.d.ts',
};

/** Fields added after kubernetes-types 1.30 (our schema follows v1.32). */
const newerThanTypes = new Set([
  'core.Volume.image',
  'core.ResourceClaim.request',
  'core.PodResourceClaim.resourceClaimName',
  'core.PodResourceClaim.resourceClaimTemplateName',
  'core.ContainerStatus.user',
  'core.ContainerStatus.allocatedResourcesStatus',
  'core.PodSecurityContext.supplementalGroupsPolicy',
  'core.PodSecurityContext.seLinuxChangePolicy',
  'core.PodSpec.resources',
  'authorization.ResourceAttributes.fieldSelector',
  'authorization.ResourceAttributes.labelSelector',
  'meta.DeleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential',
  // kubernetes-types 1.30 drops these (upstream has had them since v1): verbs = 1, resources = 3.
  'authorization.ResourceRule.verbs',
  'authorization.ResourceRule.resources',
]);
/** Fields in kubernetes-types 1.30 that v1.32 removed. */
const removedSinceTypes = new Set(['core.PodResourceClaim.source']);

test('JSON names match the kubernetes-types declarations, field for field', () => {
  const decls = new Map(Object.entries(typeFiles).map(([pkg, f]) => [pkg, interfaces(join(typesRoot, f))]));
  let checked = 0;
  for (const name of schema.names()) {
    const [pkg, short] = name.split('.');
    const props = decls.get(pkg)?.get(short);
    if (!props) continue; // inlined-only structs (VolumeSource, ProbeHandler...) have no declaration
    checked++;
    const ours = new Set(jsonNames(schema.get(name)));
    for (const json of ours) {
      assert.ok(props.has(json) || newerThanTypes.has(`${name}.${json}`), `${name}.${json} is not in kubernetes-types`);
    }
    for (const prop of props) {
      if (prop === 'apiVersion' || prop === 'kind') {
        if (!ours.has(prop)) continue; // type meta is the envelope's, not the message's
      }
      assert.ok(ours.has(prop) || removedSinceTypes.has(`${name}.${prop}`), `${name} lacks ${prop}`);
    }
  }
  assert.ok(checked > 150, `only ${checked} messages cross-checked`);
});
