/**
 * The pod network config the kubelet owns (as k3s's agent does): a bridge
 * CNI conflist over the node's pod CIDR, written into the runtime's CNI conf
 * dir once the CIDR is known (Node.spec.podCIDR, else the configured one).
 * It is rewritten only when its content would change, since containerd reloads
 * the network on every write.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { bridgeCniConfig, writeBridgeCniConfig } from '../../runtime/index.js';
import type { CniOptions } from '../config.js';

const fileName = '10-kubets.conflist';

/** Writes the conflist for `podCIDR` unless an identical one is there; true when it wrote. */
export function ensurePodNetwork(cni: CniOptions, podCIDR: string): boolean {
  const opts = {
    podCIDR,
    bridgeName: cni.bridgeName ?? 'cni0',
    ipamDataDir: cni.ipamDataDir,
    ipMasq: cni.ipMasq ?? true,
    fileName,
  };
  const want = bridgeCniConfig(opts);
  try {
    const have = JSON.parse(readFileSync(join(cni.confDir, fileName), 'utf8')) as unknown;
    if (isDeepStrictEqual(have, want)) return false;
  } catch {
    // Missing or unreadable: write it.
  }
  writeBridgeCniConfig(cni.confDir, opts);
  return true;
}
