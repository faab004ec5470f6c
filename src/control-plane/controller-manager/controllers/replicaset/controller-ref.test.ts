import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { notFound } from '../../../../api/errors/status-error.js';
import { selectorFromSet } from '../../../../api/selectors/label-selector.js';
import type { ResourceClient } from '../../../../client/index.js';
import { claimObjects, newControllerRef } from './controller-ref.js';

const owner = { metadata: { name: 'rs', namespace: 'ns', uid: 'owner-uid' } };
const ref = newControllerRef(owner, 'apps/v1', 'ReplicaSet');

function pod(
  name: string,
  labels: Record<string, string>,
  controllerUid?: string,
  extra: Partial<Pod['metadata']> = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `${name}-uid`,
      labels,
      ownerReferences: controllerUid
        ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: controllerUid, controller: true }]
        : undefined,
      ...extra,
    },
  };
}

/** Records patches; `gone` names answer NotFound. */
function fakeClient(gone: string[] = []) {
  const patches: { name: string; body: unknown }[] = [];
  const client = {
    namespace: () => client,
    patch: async (name: string, _type: string, body: unknown) => {
      if (gone.includes(name)) throw notFound({ group: '', resource: 'pods' }, name);
      patches.push({ name, body });
      return { metadata: { name, patched: true } };
    },
  };
  return { client: client as unknown as ResourceClient<Pod>, patches };
}

test('claims owned matches, adopts matching orphans, releases owned non-matches, ignores others', async () => {
  const { client, patches } = fakeClient(['vanished']);
  let rechecks = 0;
  const claimed = await claimObjects(
    [
      pod('mine', { app: 'web' }, 'owner-uid'),
      pod('orphan', { app: 'web' }),
      pod('orphan2', { app: 'web' }),
      pod('relabeled', { app: 'other' }, 'owner-uid'),
      pod('theirs', { app: 'web' }, 'someone-else'),
      pod('stranger', { app: 'other' }),
      pod('dying', { app: 'web' }, undefined, { deletionTimestamp: '2026-01-01T00:00:00Z' }),
      pod('vanished', { app: 'web' }),
    ],
    {
      owner,
      ownerRef: ref,
      selector: selectorFromSet({ app: 'web' }),
      client,
      recheckOwner: async () => void rechecks++,
    },
  );
  assert.deepEqual(
    claimed.map((p) => p.metadata!.name),
    ['mine', 'orphan', 'orphan2'],
  );
  assert.equal(rechecks, 1, 'the owner is re-read once per claim, before the first adoption');
  assert.deepEqual(patches, [
    { name: 'orphan', body: { metadata: { ownerReferences: [ref], uid: 'orphan-uid' } } },
    { name: 'orphan2', body: { metadata: { ownerReferences: [ref], uid: 'orphan2-uid' } } },
    {
      name: 'relabeled',
      body: { metadata: { ownerReferences: [{ $patch: 'delete', uid: 'owner-uid' }], uid: 'relabeled-uid' } },
    },
  ]);
});

test('an owner being deleted adopts nothing; a failed recheck fails the claim', async () => {
  const { client, patches } = fakeClient();
  const deleting = { metadata: { ...owner.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
  const claimed = await claimObjects([pod('orphan', { app: 'web' }), pod('relabeled', { app: 'x' }, 'owner-uid')], {
    owner: deleting,
    ownerRef: ref,
    selector: selectorFromSet({ app: 'web' }),
    client,
    recheckOwner: async () => undefined,
  });
  assert.deepEqual(claimed, []);
  assert.deepEqual(patches, []);
  await assert.rejects(
    claimObjects([pod('orphan', { app: 'web' })], {
      owner,
      ownerRef: ref,
      selector: selectorFromSet({ app: 'web' }),
      client,
      recheckOwner: async () => {
        throw new Error('ns/rs has just been deleted');
      },
    }),
    /just been deleted/,
  );
});
