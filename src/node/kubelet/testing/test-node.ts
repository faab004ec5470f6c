/**
 * A kubelet for end-to-end tests and benchmarks, on a throwaway containerd
 * (runtime/testing/containerd-env.ts): its data dir, cgroup root, bridge and
 * pod CIDR all live in the environment, so `env.dispose()` removes whatever
 * the kubelet left. The caller supplies a client acting as the node.
 */
import { join } from 'node:path';
import type { RestClient } from '../../../client/index.js';
import type { ContainerdEnv } from '../../runtime/testing/containerd-env.js';
import type { KubeletOptions } from '../config.js';
import { startKubelet, type Kubelet } from '../kubelet.js';
import { ScratchVolumeManager } from './scratch-volumes.js';

export interface TestNodeOptions extends Partial<Omit<KubeletOptions, 'rest' | 'runtime'>> {
  rest: RestClient;
  env: ContainerdEnv;
  nodeName: string;
}

export function testKubeletOptions(o: TestNodeOptions): KubeletOptions {
  const dataDir = o.dataDir ?? join(o.env.dir, 'kubelet');
  return {
    nodeIP: '127.0.0.1',
    resolvConf: '',
    clusterDNS: ['10.43.0.10'],
    clusterDomain: 'cluster.local',
    podCIDR: o.env.podCIDR,
    cgroupRoot: o.env.cgroupParent,
    cni: {
      confDir: o.env.containerd.paths.cniConfDir,
      bridgeName: o.env.bridge,
      ipamDataDir: join(o.env.dir, 'cni-ipam'),
      ipMasq: false,
    },
    volumes: new ScratchVolumeManager(join(dataDir, 'pods')),
    plegRelistPeriodMs: 500,
    ...o,
    dataDir,
    runtime: o.env.runtime,
  };
}

export function startTestKubelet(o: TestNodeOptions): Promise<Kubelet> {
  return startKubelet(testKubeletOptions(o));
}
