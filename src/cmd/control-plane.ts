import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Clock, realClock } from '../lib/clock.js';
import { type Logger, nullLogger } from '../lib/log.js';
import { DisposableStore } from '../lib/disposable.js';
import { openStorage, parseDatastoreEndpoint } from '../control-plane/storage/factory.js';
import type { Storage } from '../control-plane/storage/interface.js';
import { ApiServer } from '../control-plane/apiserver/server.js';
import { startHttpsServer, type RunningServer } from '../control-plane/apiserver/http/https-server.js';
import { ensureClusterPKI, type ClusterPKI } from '../control-plane/apiserver/pki/cluster-pki.js';
import { writeKubeconfig } from '../control-plane/apiserver/pki/kubeconfig.js';
import { firstServiceIP } from '../control-plane/apiserver/registry/resources/service-allocators.js';
import { installSecurity } from '../control-plane/apiserver/security/install-security.js';
import {
  startControllerManager,
  type RunningControllerManager,
} from '../control-plane/controller-manager/controller-manager.js';
import { allControllers } from '../control-plane/controller-manager/registry.js';
import { componentUsers, inProcessRest, serviceAccountUser } from './in-process.js';

/** Compiled control-plane configuration (DESIGN.md convention 10: options -> defaulted -> compiled). */
export interface ControlPlaneConfig {
  dataDir: string;
  bindAddress: string;
  httpsPort: number;
  advertiseAddress: string;
  datastoreEndpoint?: string;
  kubeconfigPath: string;
  kubeconfigMode: number;
  tlsSans: string[];
  serviceCIDR: string;
  clusterCIDR: string;
  clusterDomain: string;
  /** `--controllers` selection for the embedded controller-manager; empty list = don't run it. */
  controllers?: string[];
  clock?: Clock;
  log?: Logger;
}

export interface ControlPlane {
  apiserver: ApiServer;
  https: RunningServer;
  storage: Storage;
  pki: ClusterPKI;
  config: ControlPlaneConfig;
  controllerManager?: RunningControllerManager;
  /** The URL clients use (`https://<advertise>:<port>`). */
  url: string;
  dispose(): Promise<void>;
}

/**
 * Starts the control plane of one server: datastore, PKI, the API server and its
 * HTTPS listener, and writes the admin kubeconfig. Later issues add the
 * scheduler, controller-manager and node agent around it.
 */
export async function startControlPlane(
  config: ControlPlaneConfig,
  progress: (step: string) => void = () => {},
): Promise<ControlPlane> {
  const log = config.log ?? nullLogger;
  const clock = config.clock ?? realClock;
  const owned = new DisposableStore('control-plane');
  try {
    progress('opening datastore');
    const storageConfig = parseDatastoreEndpoint(config.datastoreEndpoint, { dataDir: config.dataDir });
    const storage = await openStorage({ ...storageConfig, clock, logger: log.child('storage') });
    owned.add(storage);

    progress('loading certificates');
    const pki = ensureClusterPKI({
      dir: join(config.dataDir, 'server', 'tls'),
      sans: [...config.tlsSans, config.advertiseAddress, hostname()],
      clusterDomain: config.clusterDomain,
      kubernetesServiceIP: firstServiceIP(config.serviceCIDR),
      clock,
    });

    progress('starting API server');
    const apiserver = new ApiServer({
      storage,
      clock,
      log: log.child('apiserver'),
      serviceCIDR: config.serviceCIDR,
      clusterDomain: config.clusterDomain,
      advertiseAddress: config.advertiseAddress,
      securePort: config.httpsPort,
    });
    owned.add(apiserver);
    await apiserver.start();
    const security = await installSecurity(apiserver, {
      serviceAccountKey: pki.serviceAccountKey,
      issuer: `https://kubernetes.default.svc.${config.clusterDomain}`,
      externalAddress: `${config.advertiseAddress}:${config.httpsPort}`,
    });
    owned.defer(() => security.stop());
    // Listen only once authentication and authorization are in place.
    const https = await startHttpsServer({
      cert: pki.serving.certPEM + pki.serverCA.certPEM,
      key: pki.serving.keyPEM,
      clientCA: pki.clientCA.certPEM,
      host: config.bindAddress,
      port: config.httpsPort,
      handler: (req) => apiserver.handle(req),
      log: log.child('https'),
    });
    owned.add(https);

    let controllerManager: RunningControllerManager | undefined;
    if ((config.controllers ?? ['*']).length > 0) {
      progress('starting controllers');
      controllerManager = await startControllerManager({
        rest: inProcessRest(apiserver, componentUsers.controllerManager, 'kube-controller-manager', { clock, log }),
        restFor: (sa) => inProcessRest(apiserver, serviceAccountUser(sa), 'kube-controller-manager', { clock, log }),
        controllers: allControllers(),
        enabled: config.controllers ?? ['*'],
        config: { clusterCIDR: config.clusterCIDR, serviceCIDR: config.serviceCIDR, rootCAPEM: pki.serverCA.certPEM },
        clock,
        log: log.child('controller-manager'),
      });
      owned.defer(() => controllerManager!.stop());
    }

    // Local clients use loopback unless the server listens on one specific address (as k3s writes its kubeconfig).
    const local = config.bindAddress === '0.0.0.0' || config.bindAddress === '::' ? '127.0.0.1' : config.bindAddress;
    const host = local.includes(':') ? `[${local}]` : local;
    const url = `https://${host}:${https.port}`;
    writeKubeconfig(
      config.kubeconfigPath,
      { server: url, caPEM: pki.serverCA.certPEM, clientCertPEM: pki.admin.certPEM, clientKeyPEM: pki.admin.keyPEM },
      config.kubeconfigMode,
    );
    return { apiserver, https, storage, pki, config, url, controllerManager, dispose: () => owned.dispose() };
  } catch (err) {
    await owned.dispose().catch(() => undefined);
    throw err;
  }
}
