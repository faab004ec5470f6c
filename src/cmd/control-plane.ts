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
import { Auditor } from '../control-plane/apiserver/audit/recorder.js';
import { AuditLogWriter } from '../control-plane/apiserver/audit/log-writer.js';
import { parsePolicy } from '../control-plane/apiserver/audit/policy.js';
import { EncryptionConfig } from '../control-plane/apiserver/encryption/config.js';
import { EncryptedStorage } from '../control-plane/apiserver/encryption/encrypted-storage.js';
import { Scheme } from '../api/scheme/scheme.js';
import { builtinResources } from '../api/scheme/builtin-resources.js';
import { readFileSync } from 'node:fs';
import {
  startControllerManager,
  type RunningControllerManager,
} from '../control-plane/controller-manager/controller-manager.js';
import { allControllers } from '../control-plane/controller-manager/registry.js';
import { startScheduler, type RunningScheduler } from '../control-plane/scheduler/component.js';
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
  /** `--encryption-provider-config`: EncryptionConfiguration YAML for encryption at rest. */
  encryptionConfigPath?: string;
  /** Audit logging (`--audit-policy-file`, `--audit-log-*`). */
  audit?: { policyPath: string; logPath: string; maxSizeMB?: number; maxBackups?: number; maxAgeDays?: number };
  /** `--token-auth-file`. */
  tokenAuthFile?: string;
  /** `--disable-admission-plugins`. */
  disabledAdmissionPlugins?: string[];
  /** Run the embedded scheduler (default true). */
  scheduler?: boolean;
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
  scheduler?: RunningScheduler;
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
    const raw = await openStorage({ ...storageConfig, clock, logger: log.child('storage') });
    owned.add(raw);
    const storage = config.encryptionConfigPath ? encryptedStorage(raw, config.encryptionConfigPath) : raw;

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
    apiserver.kubeletClient = { certPEM: pki.kubeletClient.certPEM, keyPEM: pki.kubeletClient.keyPEM };
    if (config.audit) {
      const writer = new AuditLogWriter({
        path: config.audit.logPath,
        maxSizeMB: config.audit.maxSizeMB,
        maxBackups: config.audit.maxBackups,
        maxAgeDays: config.audit.maxAgeDays,
      });
      owned.add(writer);
      apiserver.auditor = new Auditor({
        policy: parsePolicy(readFileSync(config.audit.policyPath, 'utf8')),
        backends: [writer],
        clock,
      });
    }
    await apiserver.start();
    const security = await installSecurity(apiserver, {
      serviceAccountKey: pki.serviceAccountKey,
      issuer: `https://kubernetes.default.svc.${config.clusterDomain}`,
      externalAddress: `${config.advertiseAddress}:${config.httpsPort}`,
      tokenAuthFile: config.tokenAuthFile,
      disabledAdmissionPlugins: config.disabledAdmissionPlugins,
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
      upgrade: (req, socket, head) => apiserver.handleUpgrade(req, socket, head),
      log: log.child('https'),
    });
    owned.add(https);

    let scheduler: RunningScheduler | undefined;
    if (config.scheduler ?? true) {
      progress('starting scheduler');
      scheduler = await startScheduler({
        rest: inProcessRest(apiserver, componentUsers.scheduler, 'kube-scheduler', { clock, log }),
        clock,
        log: log.child('scheduler'),
      });
      owned.defer(() => scheduler!.stop());
    }

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
    return {
      apiserver,
      https,
      storage,
      pki,
      config,
      url,
      controllerManager,
      scheduler,
      dispose: () => owned.dispose(),
    };
  } catch (err) {
    await owned.dispose().catch(() => undefined);
    throw err;
  }
}

/**
 * Wraps the datastore so the group-resources named in an EncryptionConfiguration
 * are encrypted at rest (exact resources, `<res>.<group>`, and `*.*` for all).
 */
function encryptedStorage(inner: Storage, path: string): Storage {
  const cfg = EncryptionConfig.parse(readFileSync(path, 'utf8'));
  const scheme = new Scheme(builtinResources());
  const rules: { prefix: string; transformer: ReturnType<EncryptionConfig['transformerFor']> }[] = [];
  for (const rc of cfg.config.resources) {
    for (const res of rc.resources) {
      if (res === '*.*') {
        rules.push({ prefix: '/registry/', transformer: cfg.transformerFor('*', '*') });
        continue;
      }
      const dot = res.indexOf('.');
      const resource = dot < 0 ? res : res.slice(0, dot);
      const group = dot < 0 ? '' : res.slice(dot + 1);
      const info = scheme.preferredForGroupResource(group, resource);
      if (!info) throw new Error(`--encryption-provider-config: unknown resource ${JSON.stringify(res)}`);
      rules.push({
        prefix: scheme.storagePrefix(scheme.storageResource(info)),
        transformer: cfg.transformerFor(group, resource),
      });
    }
  }
  return new EncryptedStorage(inner, rules);
}
