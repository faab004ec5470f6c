import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CustomResourceDefinitionSpec } from 'kubernetes-types/apiextensions/v1.js';
import type { AdmissionAttributes } from '../admission/types.js';
import { deprecationWarningFor, deprecationWarningPlugin, servedVersionKey } from './deprecation-warning.js';

const spec = (versions: CustomResourceDefinitionSpec['versions']): CustomResourceDefinitionSpec => ({
  group: 'stable.example.com',
  scope: 'Namespaced',
  names: { plural: 'crontabs', kind: 'CronTab' },
  versions,
});
const v = (name: string, o: { served?: boolean; deprecated?: boolean; deprecationWarning?: string } = {}) => ({
  name,
  served: o.served ?? true,
  storage: false,
  ...(o.deprecated ? { deprecated: true } : {}),
  ...(o.deprecationWarning !== undefined ? { deprecationWarning: o.deprecationWarning } : {}),
});

test('deprecation warning text', () => {
  const cases: { name: string; s: CustomResourceDefinitionSpec; version: string; want: string | undefined }[] = [
    { name: 'not deprecated', s: spec([v('v1')]), version: 'v1', want: undefined },
    {
      name: 'newest served, non-deprecated version is suggested',
      s: spec([v('v1alpha1', { deprecated: true }), v('v1beta1'), v('v1'), v('v2', { served: false })]),
      version: 'v1alpha1',
      want: 'stable.example.com/v1alpha1 CronTab is deprecated; use stable.example.com/v1 CronTab',
    },
    {
      name: 'only older versions: no suggestion',
      s: spec([v('v1alpha1'), v('v1', { deprecated: true })]),
      version: 'v1',
      want: 'stable.example.com/v1 CronTab is deprecated',
    },
    {
      name: 'deprecated newer versions are not suggested',
      s: spec([v('v1beta1', { deprecated: true }), v('v1', { deprecated: true })]),
      version: 'v1beta1',
      want: 'stable.example.com/v1beta1 CronTab is deprecated',
    },
    {
      name: 'custom text',
      s: spec([v('v1', { deprecated: true, deprecationWarning: 'move to v2 by June' })]),
      version: 'v1',
      want: 'move to v2 by June',
    },
    {
      name: 'empty custom text: no warning',
      s: spec([v('v1', { deprecated: true, deprecationWarning: '' })]),
      version: 'v1',
      want: undefined,
    },
  ];
  for (const c of cases) {
    const ver = c.s.versions.find((x) => x.name === c.version)!;
    assert.equal(deprecationWarningFor(c.s, ver), c.want, c.name);
  }
});

test('the admission plugin adds the warning once, only for the deprecated version', async () => {
  const plugin = deprecationWarningPlugin(
    () => new Map([[servedVersionKey('stable.example.com', 'v1alpha1', 'crontabs'), 'old']]),
  );
  const attrs = (version: string, subresource = ''): AdmissionAttributes => ({
    operation: 'CREATE',
    resource: { group: 'stable.example.com', version, plural: 'crontabs' } as AdmissionAttributes['resource'],
    subresource,
    namespace: 'default',
    name: 'a',
    dryRun: false,
    ctx: { warnings: [] as string[] } as unknown as AdmissionAttributes['ctx'],
  });
  const current = attrs('v1');
  assert.equal(plugin.handles(current), false);
  const old = attrs('v1alpha1');
  assert.equal(plugin.handles(old), true);
  await plugin.validate(old);
  await plugin.validate(old);
  assert.deepEqual(old.ctx.warnings, ['old']);
  const status = attrs('v1alpha1', 'status');
  await plugin.validate(status);
  assert.deepEqual(status.ctx.warnings, ['old']);
});
