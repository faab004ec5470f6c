/**
 * The addons `kubets server` runs for the cluster (k3s deploys the same set as
 * manifests). Today: cluster DNS, which runs inside the server process as an
 * ordinary API client with its own ServiceAccount identity, listening on the
 * node address; the selector-less `kube-system/kube-dns` Service in front of it
 * is what pods' resolv.conf names, and kube-proxy routes it. With several
 * servers each one publishes its own endpoints behind that Service and takes
 * them away when it stops (see kube-dns-service.ts). `--disable coredns`
 * (k3s's name; `dns` is accepted too) turns it off.
 *
 * The API objects of the addons are manifests, as in k3s: embedded ones are
 * written to `<data-dir>/server/manifests` at start and the manifest deployer
 * applies that folder (user files included), keeps it applied, and deletes
 * the objects of removed files, so disabling an addon removes its objects.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DisposableStore, type Disposable } from '../lib/disposable.js';
import type { Logger } from '../lib/log.js';
import { defaultDnsListenPort, dnsMetricsPort, startClusterDns } from '../addons/dns/index.js';
import { startKubeDnsPublisher } from '../addons/dns/kube-dns-service.js';
import { dnsManifest, dnsManifestFile, dnsServiceAccount } from '../addons/dns/manifests.js';
import { ManifestDeployer, type PassResult } from '../addons/deployer/deployer.js';
import { writeEmbeddedManifests } from '../addons/deployer/embedded-manifests.js';
import { localPathServiceAccount, startLocalPath } from '../addons/local-path/index.js';
import type { ControlPlane } from './control-plane.js';
import { inProcessRest, serviceAccountUser } from './in-process.js';

/** Addon names `--disable` accepts, with their aliases. */
export const addonNames: Record<string, string> = {
  coredns: 'coredns',
  dns: 'coredns',
  'local-storage': 'local-storage',
};

export interface AddonOptions {
  /** Canonical names of disabled addons (see addonNames). */
  disabled: ReadonlySet<string>;
  /** Address the in-process addons listen on (the node IP, or the advertise address without a node). */
  listenIP: string;
  nodeName?: string;
  /** The `kube-dns` Service IP (the kubelet's clusterDNS). */
  clusterDNS: string;
  clusterDomain: string;
  /** DNS port; default 53 as root, else 1053. */
  dnsPort?: number;
  /** Port of the DNS /metrics, /health, /ready; default 9153. */
  dnsMetricsPort?: number;
  /** The manifests folder; default `<data-dir>/server/manifests`. */
  manifestsDir?: string;
  /** How often the deployer looks for changed files (default 5 s) and re-applies all (default 5 min). */
  deployer?: { pollMs?: number; resyncMs?: number };
}

export interface Addons extends Disposable {
  readonly deployer: ManifestDeployer;
  /** What the deployer's first pass did, per file. */
  readonly firstPass: PassResult;
  readonly manifestsDir: string;
}

const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

/**
 * Writes the embedded manifests (removing those of disabled addons), starts
 * the manifest deployer and waits for its first pass, so the addons' RBAC and
 * Services exist before the in-process servers start; then starts the
 * enabled in-process addons. dispose() stops them (their API objects stay, as
 * k3s's do, except this server's DNS endpoints).
 */
export async function startAddons(
  cp: ControlPlane,
  o: AddonOptions,
  progress: (step: string) => void,
  log?: Logger,
): Promise<Addons> {
  const owned = new DisposableStore('addons');
  try {
    const admin = inProcessRest(
      cp.apiserver,
      { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] },
      'kubets-deploy',
    );
    const dnsEnabled = !o.disabled.has('coredns');
    const port = o.dnsPort ?? defaultDnsListenPort();
    const metricsPort = o.dnsMetricsPort ?? dnsMetricsPort;
    const manifestsDir = o.manifestsDir ?? join(cp.config.dataDir, 'server', 'manifests');
    writeEmbeddedManifests(manifestsDir, [
      {
        file: dnsManifestFile,
        content: dnsManifest({ clusterIP: o.clusterDNS, dnsPort: port, metricsPort }),
        disabled: !dnsEnabled,
      },
    ]);
    progress(`deploying the manifests in ${manifestsDir}`);
    const deployer = owned.add(
      new ManifestDeployer({
        rest: admin,
        dir: manifestsDir,
        source: o.nodeName ?? hostname(),
        pollMs: o.deployer?.pollMs,
        resyncMs: o.deployer?.resyncMs,
        log: log?.child('deploy'),
      }),
    );
    const firstPass = await deployer.start();
    const failed = Object.entries(firstPass.files).filter(([, r]) => r === 'failed');
    if (failed.length > 0)
      progress(`manifests not applied (see kube-system events): ${failed.map(([f]) => f).join(', ')}`);

    if (dnsEnabled && isLoopback(o.listenIP)) {
      // An EndpointSlice may not name a loopback address, and pods could not reach one anyway.
      progress(`cluster DNS not started: it needs a non-loopback address, not ${o.listenIP} (--advertise-address)`);
    } else if (dnsEnabled) {
      progress('starting cluster DNS');
      const dns = await startClusterDns({
        rest: inProcessRest(cp.apiserver, serviceAccountUser(dnsServiceAccount), 'coredns'),
        clusterDomain: o.clusterDomain,
        listen: [{ host: o.listenIP, port }],
        metricsListen: { host: o.listenIP, port: metricsPort },
        nsAddresses: [o.clusterDNS],
        log: log?.child('dns'),
      });
      owned.add(dns);
      // Added after the DNS server, so disposed before it: the endpoints go before the server stops answering.
      owned.add(
        await startKubeDnsPublisher({
          rest: admin,
          nodeIP: o.listenIP,
          nodeName: o.nodeName,
          serverAddress: cp.config.advertiseAddress,
          dnsPort: port,
          metricsPort,
          clusterIP: o.clusterDNS,
          log: log?.child('dns'),
        }),
      );
    }
    if (!o.disabled.has('local-storage')) {
      // k3s's local-storage addon: the default `local-path` class and its provisioner (volumes in <data-dir>/storage).
      progress('starting the local-path provisioner');
      owned.add(
        await startLocalPath({
          admin,
          rest: inProcessRest(cp.apiserver, serviceAccountUser(localPathServiceAccount), 'local-path-provisioner'),
          storageDir: join(cp.config.dataDir, 'storage'),
          localNode: o.nodeName,
          log: log?.child('local-path'),
        }),
      );
    }
    return { deployer, firstPass, manifestsDir, dispose: () => owned.dispose() };
  } catch (err) {
    await owned.dispose().catch(() => undefined);
    throw err;
  }
}
