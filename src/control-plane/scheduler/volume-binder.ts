import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { ResourceClient, type KubeObject, type RestClient } from '../../client/index.js';
import type { VolumeBinderPort } from './framework/interfaces.js';

const pvsGVR = { group: '', version: 'v1', resource: 'persistentvolumes' };
const pvcsGVR = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
const AnnBoundByController = 'pv.kubernetes.io/bound-by-controller';
const AnnSelectedNode = 'volume.kubernetes.io/selected-node';

type PVObj = PersistentVolume & KubeObject;

/**
 * The scheduler's half of delayed (WaitForFirstConsumer) binding, written
 * through the API as upstream SchedulerVolumeBinder.BindPodVolumes does: a
 * chosen static volume gets its claimRef set to the claim (marked
 * bound-by-controller) and the persistentvolume-binder controller completes
 * the claim side; a claim to provision gets the selected-node annotation,
 * which the binder turns into a request to the class's provisioner. The
 * VolumeBinding plugin then waits until the claims are bound. `write` wraps
 * each API write (the scheduler's in-flight limit and stop signal).
 */
export function apiVolumeBinder(
  rest: RestClient,
  write: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
): VolumeBinderPort {
  const pvs = new ResourceClient<PVObj>(rest, pvsGVR);
  const pvcs = new ResourceClient<PersistentVolumeClaim & KubeObject>(rest, pvcsGVR);
  return {
    bindClaim: (pvc, pvName) =>
      write(async () => {
        // Decide on the volume as stored, not as cached: the write below is conditional on what was read.
        const pv = await pvs.get(pvName);
        const ref = pv.spec?.claimRef;
        const ns = pvc.metadata?.namespace;
        const name = pvc.metadata?.name;
        if (ref) {
          if (ref.namespace === ns && ref.name === name && (!ref.uid || ref.uid === pvc.metadata?.uid)) {
            if (ref.uid) return;
          } else {
            throw new Error(`volume "${pvName}" is already bound to claim "${ref.namespace}/${ref.name}"`);
          }
        }
        const next: PVObj = structuredClone(pv);
        next.spec = {
          ...next.spec,
          claimRef: {
            kind: 'PersistentVolumeClaim',
            apiVersion: 'v1',
            namespace: ns,
            name,
            uid: pvc.metadata?.uid,
            resourceVersion: pvc.metadata?.resourceVersion,
          },
        };
        if (next.metadata?.annotations?.[AnnBoundByController] === undefined && !ref) {
          next.metadata = {
            ...next.metadata,
            annotations: { ...next.metadata?.annotations, [AnnBoundByController]: 'yes' },
          };
        }
        await pvs.update(next);
      }),
    setSelectedNode: (pvc, nodeName) =>
      write(async () => {
        if (pvc.metadata?.annotations?.[AnnSelectedNode] === nodeName) return;
        await pvcs.namespace(pvc.metadata!.namespace!).patch(pvc.metadata!.name!, 'merge', {
          metadata: { uid: pvc.metadata?.uid, annotations: { [AnnSelectedNode]: nodeName } },
        });
      }),
  };
}
