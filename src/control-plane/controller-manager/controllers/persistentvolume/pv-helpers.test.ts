import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import {
  checkVolumeSatisfyClaim,
  claimClass,
  defaultClass,
  findBestMatchForClaim,
  isVolumeBoundToClaim,
} from './pv-helpers.js';

function pv(
  name: string,
  size: string,
  o: Partial<PersistentVolume['spec']> & { phase?: string; labels?: Record<string, string> } = {},
): PersistentVolume {
  const { phase = 'Available', labels, ...spec } = o;
  return {
    metadata: { name, labels },
    spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: '', ...spec },
    status: { phase },
  };
}

function pvc(size: string, o: Partial<PersistentVolumeClaim['spec']> = {}, uid = 'uid-1'): PersistentVolumeClaim {
  return {
    metadata: { name: 'claim', namespace: 'ns', uid },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: '', ...o },
  };
}

const ref = (uid?: string) => ({ namespace: 'ns', name: 'claim', ...(uid ? { uid } : {}) });

test('findBestMatchForClaim', async (t) => {
  const cases: {
    name: string;
    claim: PersistentVolumeClaim;
    volumes: PersistentVolume[];
    delay?: boolean;
    want: string | undefined;
  }[] = [
    {
      name: 'smallest volume that is large enough',
      claim: pvc('1Gi'),
      volumes: [pv('big', '10Gi'), pv('fit', '1Gi'), pv('small', '500Mi'), pv('mid', '2Gi')],
      want: 'fit',
    },
    {
      name: 'equal quantities in different units compare by value',
      claim: pvc('1000Mi'),
      volumes: [pv('a', '1Gi'), pv('b', '1000Mi')],
      want: 'b',
    },
    {
      name: 'class must match',
      claim: pvc('1Gi', { storageClassName: 'fast' }),
      volumes: [pv('slow', '1Gi', { storageClassName: 'slow' }), pv('fast', '5Gi', { storageClassName: 'fast' })],
      want: 'fast',
    },
    {
      name: 'only Available volumes',
      claim: pvc('1Gi'),
      volumes: [pv('released', '1Gi', { phase: 'Released' }), pv('pending', '1Gi', { phase: 'Pending' })],
      want: undefined,
    },
    {
      name: 'label selector',
      claim: pvc('1Gi', { selector: { matchLabels: { tier: 'gold' } } }),
      volumes: [pv('plain', '1Gi'), pv('gold', '3Gi', { labels: { tier: 'gold' } })],
      want: 'gold',
    },
    {
      name: 'volume mode must agree (Filesystem by default)',
      claim: pvc('1Gi', { volumeMode: 'Block' }),
      volumes: [pv('fs', '1Gi'), pv('block', '2Gi', { volumeMode: 'Block' })],
      want: 'block',
    },
    {
      name: 'all requested access modes must be offered',
      claim: pvc('1Gi', { accessModes: ['ReadWriteMany'] }),
      volumes: [pv('rwo', '1Gi'), pv('rwx', '8Gi', { accessModes: ['ReadWriteMany', 'ReadWriteOnce'] })],
      want: 'rwx',
    },
    {
      name: 'the smallest access-mode set wins over a smaller volume with more modes',
      claim: pvc('1Gi'),
      volumes: [pv('multi', '1Gi', { accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }), pv('single', '5Gi')],
      want: 'single',
    },
    {
      name: 'a volume pre-bound to the claim wins even when larger and not Available',
      claim: pvc('1Gi'),
      volumes: [pv('fit', '1Gi'), pv('mine', '9Gi', { claimRef: ref(), phase: 'Pending', storageClassName: 'x' })],
      want: 'mine',
    },
    {
      name: 'volumes claimed by another claim are skipped',
      claim: pvc('1Gi'),
      volumes: [
        pv('theirs', '1Gi', { claimRef: { namespace: 'ns', name: 'other' } }),
        pv('uid', '1Gi', { claimRef: ref('uid-2') }),
      ],
      want: undefined,
    },
    {
      name: 'delayed binding takes only pre-bound volumes',
      claim: pvc('1Gi'),
      volumes: [pv('free', '1Gi')],
      delay: true,
      want: undefined,
    },
    {
      name: 'delayed binding still honours a pre-bound volume',
      claim: pvc('1Gi'),
      volumes: [pv('free', '1Gi'), pv('mine', '2Gi', { claimRef: ref('uid-1') })],
      delay: true,
      want: 'mine',
    },
    {
      name: 'volumes being deleted are skipped',
      claim: pvc('1Gi'),
      volumes: [{ ...pv('dying', '1Gi'), metadata: { name: 'dying', deletionTimestamp: '2026-01-01T00:00:00Z' } }],
      want: undefined,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.equal(findBestMatchForClaim(c.claim, c.volumes, c.delay ?? false)?.metadata?.name, c.want);
    });
  }
});

test('checkVolumeSatisfyClaim gives upstream reasons', () => {
  const rows: [PersistentVolume, PersistentVolumeClaim, string | undefined][] = [
    [pv('v', '1Gi'), pvc('1Gi'), undefined],
    [pv('v', '1Gi'), pvc('2Gi'), 'requested PV is too small'],
    [pv('v', '1Gi', { storageClassName: 'a' }), pvc('1Gi'), 'storageClassName does not match'],
    [pv('v', '1Gi', { volumeMode: 'Block' }), pvc('1Gi'), 'incompatible volumeMode'],
    [pv('v', '1Gi', { accessModes: ['ReadOnlyMany'] }), pvc('1Gi'), 'incompatible accessMode'],
  ];
  for (const [v, c, want] of rows) assert.equal(checkVolumeSatisfyClaim(v, c), want);
});

test('isVolumeBoundToClaim: name and namespace, and UID when the ref has one', () => {
  assert.equal(isVolumeBoundToClaim(pv('v', '1Gi', { claimRef: ref() }), pvc('1Gi')), true);
  assert.equal(isVolumeBoundToClaim(pv('v', '1Gi', { claimRef: ref('uid-1') }), pvc('1Gi')), true);
  assert.equal(isVolumeBoundToClaim(pv('v', '1Gi', { claimRef: ref('uid-2') }), pvc('1Gi')), false);
  assert.equal(isVolumeBoundToClaim(pv('v', '1Gi', { claimRef: { ...ref(), namespace: 'x' } }), pvc('1Gi')), false);
  assert.equal(isVolumeBoundToClaim(pv('v', '1Gi'), pvc('1Gi')), false);
});

test('claimClass prefers the beta annotation', () => {
  const c = pvc('1Gi', { storageClassName: 'spec' });
  assert.equal(claimClass(c), 'spec');
  assert.equal(
    claimClass({ ...c, metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': 'beta' } } }),
    'beta',
  );
  assert.equal(claimClass({ spec: {} }), '');
});

test('defaultClass: the newest annotated class, then by name', () => {
  const sc = (name: string, created: string, isDefault: boolean): StorageClass => ({
    provisioner: 'p',
    metadata: {
      name,
      creationTimestamp: created,
      annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
    },
  });
  assert.equal(defaultClass([sc('a', '2026-01-01T00:00:00Z', false)]), undefined);
  assert.equal(
    defaultClass([
      sc('old', '2026-01-01T00:00:00Z', true),
      sc('new', '2026-02-01T00:00:00Z', true),
      sc('newest-not-default', '2026-03-01T00:00:00Z', false),
    ])?.metadata?.name,
    'new',
  );
  assert.equal(
    defaultClass([sc('b', '2026-01-01T00:00:00Z', true), sc('a', '2026-01-01T00:00:00Z', true)])?.metadata?.name,
    'a',
  );
});
