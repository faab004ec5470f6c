import { after, before } from 'node:test';
import { EtcdStorage } from '../etcd/backend.js';
import { LocalEtcdCluster } from '../etcd/launcher.js';
import { runConformance } from './suite.js';

// One real etcd for the whole suite; each test gets its own key namespace, so
// tests never see each other's keys (revisions are still shared, which the
// suite allows for).
let cluster: LocalEtcdCluster | undefined;
let seq = 0;

before(async () => {
  cluster = await LocalEtcdCluster.start({ members: 1, progressNotifyInterval: '500ms' });
});
after(async () => {
  await cluster?.dispose();
});

runConformance('etcd', async () => {
  const storage = new EtcdStorage({
    endpoints: cluster!.endpoints,
    prefix: `/conformance-${process.pid}-${++seq}`,
    compactionIntervalMs: 0,
  });
  return { storage, cleanup: () => storage.dispose() };
});
