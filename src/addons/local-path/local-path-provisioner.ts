import { rm } from 'node:fs/promises';
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { isAlreadyExists, isNotFound } from '../../api/errors/status-error.js';
import {
  EventBroadcaster,
  type EventRecorder,
  gvr,
  type KubeObject,
  type Lister,
  RateLimitingQueue,
  runController,
  typed,
  type RestClient,
} from '../../client/index.js';
import { SharedInformerFactory } from '../../client/informers/informer-factory.js';
import { type Clock, realClock } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import {
  AnnBetaStorageProvisioner,
  AnnProvisionedBy,
  AnnSelectedNode,
  AnnStorageProvisioner,
  buildVolume,
  isUnder,
  LocalPathProvisionerName,
  provisionError,
  volumeNameFor,
  volumeNode,
} from './local-path-volume.js';

type PVObj = PersistentVolume & KubeObject;
type PVCObj = PersistentVolumeClaim & KubeObject;

const pvsGVR = gvr('', 'v1', 'persistentvolumes');
const pvcsGVR = gvr('', 'v1', 'persistentvolumeclaims');
const classesGVR = gvr('storage.k8s.io', 'v1', 'storageclasses');
const nodesGVR = gvr('', 'v1', 'nodes');

export interface LocalPathProvisionerOptions {
  rest: RestClient;
  /** Where volumes live on every node: `<data-dir>/storage`. */
  storageDir: string;
  /**
   * The node this process runs on (the server's own agent). Directories of
   * deleted volumes on this node are removed here; those on other nodes are
   * left behind (see the class comment).
   */
  localNode?: string;
  clock?: Clock;
  log?: Logger;
  /** Removes a volume directory (tests); default `rm -rf`. */
  removeDir?: (path: string) => Promise<void>;
}

/**
 * k3s's local-path provisioner (`rancher.io/local-path`), run in the server
 * as an ordinary API client, following the external-provisioner contract:
 * it acts on claims the persistentvolume-binder annotated with its name
 * (`volume.kubernetes.io/storage-provisioner`), which for this
 * WaitForFirstConsumer class also carry the scheduler's selected node, and
 * creates a hostPath PV pinned to that node and pre-bound to the claim. The
 * directory itself is made by the node's kubelet when a pod mounts it
 * (hostPath DirectoryOrCreate). When such a PV is Released with policy
 * Delete, the directory is removed if it is on this process's node, then the
 * PV is deleted. Known gap: the data of deleted volumes on other nodes stays
 * on those nodes (upstream runs a helper pod there; kubets has none yet).
 */
export class LocalPathProvisioner implements Disposable {
  private readonly factory: SharedInformerFactory;
  private readonly queue: RateLimitingQueue<string>;
  private readonly claims: Lister<PVCObj>;
  private readonly volumes: Lister<PVObj>;
  private readonly classes: Lister<StorageClass & KubeObject>;
  private readonly nodes: Lister<Node & KubeObject>;
  private readonly events: EventBroadcaster;
  private readonly recorder: EventRecorder;
  private readonly stop = new AbortController();
  private running?: Promise<void>;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly o: LocalPathProvisionerOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? nullLogger;
    this.factory = new SharedInformerFactory({ rest: o.rest, clock: this.clock, log: this.log });
    this.queue = new RateLimitingQueue<string>({ clock: this.clock, name: 'local-path-provisioner' });
    this.events = new EventBroadcaster({ rest: o.rest, clock: this.clock, log: this.log });
    this.recorder = this.events.newRecorder({ component: `${LocalPathProvisionerName}_${o.localNode ?? 'server'}` });
    const pvcInf = this.factory.forResource<PVCObj>(pvcsGVR);
    const pvInf = this.factory.forResource<PVObj>(pvsGVR);
    const scInf = this.factory.forResource<StorageClass & KubeObject>(classesGVR);
    const nodeInf = this.factory.forResource<Node & KubeObject>(nodesGVR);
    this.claims = pvcInf.lister();
    this.volumes = pvInf.lister();
    this.classes = scInf.lister();
    this.nodes = nodeInf.lister();
    const onClaim = (c: PVCObj) => this.queue.add(`claim/${c.metadata!.namespace}/${c.metadata!.name}`);
    pvcInf.addEventHandler({ onAdd: onClaim, onUpdate: (_o, c) => onClaim(c) });
    const onVolume = (v: PVObj) => {
      if (v.metadata?.annotations?.[AnnProvisionedBy] === LocalPathProvisionerName) {
        this.queue.add(`volume/${v.metadata.name}`);
      }
    };
    pvInf.addEventHandler({ onAdd: onVolume, onUpdate: (_o, v) => onVolume(v) });
  }

  /** Starts the informers and the workers; resolves once caches are synced. */
  async start(): Promise<void> {
    this.factory.start(this.stop.signal);
    await this.factory.waitForCacheSync(this.stop.signal);
    this.running = runController({
      name: 'local-path-provisioner',
      queue: this.queue,
      workers: 2,
      reconcile: (key) => this.reconcile(key),
      signal: this.stop.signal,
      log: this.log,
      clock: this.clock,
    });
  }

  async dispose(): Promise<void> {
    this.stop.abort();
    this.queue.shutDown();
    await this.running?.catch(() => undefined);
    await this.factory.shutdown();
    await this.events.dispose();
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith('volume/')) {
      const pv = this.volumes.get('', key.slice('volume/'.length));
      if (pv) await this.syncVolume(pv);
      return;
    }
    const [ns, name] = key.slice('claim/'.length).split('/');
    const pvc = this.claims.get(ns!, name!);
    if (pvc) await this.syncClaim(pvc);
  }

  private claimEvent(pvc: PVCObj, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const m = pvc.metadata!;
    this.recorder.event(
      { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: m.namespace, name: m.name, uid: m.uid },
      type,
      reason,
      message,
    );
  }

  private async syncClaim(pvc: PVCObj): Promise<void> {
    const ann = pvc.metadata?.annotations ?? {};
    if (pvc.spec?.volumeName || pvc.metadata?.deletionTimestamp) return;
    const asked = ann[AnnStorageProvisioner] ?? ann[AnnBetaStorageProvisioner];
    if (asked !== LocalPathProvisionerName) return;
    const sc = this.classes.get('', pvc.spec?.storageClassName ?? '');
    if (!sc || sc.provisioner !== LocalPathProvisionerName) return;
    const pvName = volumeNameFor(pvc);
    if (this.volumes.get('', pvName)) return;
    const why = provisionError(pvc);
    if (why) {
      this.claimEvent(
        pvc,
        'Warning',
        'ProvisioningFailed',
        `failed to provision volume with StorageClass "${sc.metadata!.name}": ${why}`,
      );
      return;
    }
    const key = `${pvc.metadata!.namespace}/${pvc.metadata!.name}`;
    this.claimEvent(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    const node = this.nodes.get('', pvc.metadata!.annotations![AnnSelectedNode]!);
    const pv = buildVolume(pvc, sc, node, this.o.storageDir);
    try {
      await typed<PVObj>(this.o.rest, pvsGVR).create(pv as PVObj);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        this.claimEvent(
          pvc,
          'Warning',
          'ProvisioningFailed',
          `failed to provision volume with StorageClass "${sc.metadata!.name}": ${(err as Error).message}`,
        );
        throw err;
      }
      return;
    }
    this.log.info('provisioned volume', { claim: key, volume: pvName, path: pv.spec?.hostPath?.path });
    this.claimEvent(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  /** Released + Delete: remove the data where this process can, then the PV. */
  private async syncVolume(pv: PVObj): Promise<void> {
    if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    if (pv.metadata?.deletionTimestamp) return;
    const path = pv.spec.hostPath?.path;
    const node = volumeNode(pv);
    if (path && node && node === this.o.localNode && isUnder(this.o.storageDir, path)) {
      await (this.o.removeDir ?? ((p: string) => rm(p, { recursive: true, force: true })))(path);
      this.log.info('removed volume data', { volume: pv.metadata!.name, path });
    } else if (path) {
      this.log.info('volume data left on its node', { volume: pv.metadata!.name, node, path });
    }
    try {
      await typed<PVObj>(this.o.rest, pvsGVR).delete(pv.metadata!.name!, { preconditions: { uid: pv.metadata!.uid! } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
