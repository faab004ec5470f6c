import { randomUUID } from 'node:crypto';
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
import { writeComponentKubeconfigs } from '../control-plane/apiserver/pki/component-kubeconfigs.js';
import {
  FrontProxyAuthenticator,
  RequestHeaderAuthenticator,
  defaultRequestHeaderConfig,
} from '../control-plane/apiserver/authn/request-header.js';
import { publishExtensionAuthentication } from '../control-plane/apiserver/authn/request-header-configmap.js';
import { Aggregator } from '../control-plane/apiserver/aggregator/aggregator.js';
import { attachAggregator } from '../control-plane/apiserver/aggregator/attach.js';
import { FlowControl, inflightLevelConfig } from '../control-plane/apiserver/flowcontrol/flow-control.js';
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
import {
  cloudControllerManagerUser,
  startCloudControllerManager,
  type RunningCloudControllerManager,
} from '../control-plane/cloud-controller-manager/cloud-controller-manager.js';
import { localProviderFor } from '../control-plane/cloud-controller-manager/local-provider.js';
import { startScheduler, type RunningScheduler } from '../control-plane/scheduler/component.js';
import type { ResolvedConfiguration } from '../control-plane/scheduler/config/types.js';
import { componentUsers, inProcessRest, serviceAccountUser } from './in-process.js';
import { startComponentEndpoints, type ComponentEndpoints, type SecurePorts } from './component-endpoints.js';
import { ensureJoinBootstrapObjects } from '../control-plane/controller-manager/controllers/bootstrap-signer/cluster-info.js';
import { bootstrapGroup } from './token.js';
import { type HAConfig, type HADatastore, prepareJoin, startHADatastore } from './ha/ha-datastore.js';
import { LeaseEndpointReconciler } from '../control-plane/apiserver/master-endpoints/lease-endpoint-reconciler.js';

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
  /**
   * `--max-requests-inflight` / `--max-mutating-requests-inflight`: their sum is divided among the
   * flow-control priority levels; absent = the built-in level sizes (tuned for an embedded server).
   */
  inflight?: { maxRequestsInflight: number; maxMutatingRequestsInflight: number };
  /** `--token-auth-file`. */
  tokenAuthFile?: string;
  /** `--disable-admission-plugins`. */
  disabledAdmissionPlugins?: string[];
  /** Run the embedded scheduler (default true). */
  scheduler?: boolean;
  /** `--kube-scheduler-arg config=FILE`: the scheduler's KubeSchedulerConfiguration (upstream defaults when absent). */
  schedulerConfig?: ResolvedConfiguration;
  /** `--controllers` selection for the embedded controller-manager; empty list = don't run it. */
  controllers?: string[];
  /**
   * The embedded cloud-controller-manager with the local provider (k3s's CCM and ServiceLB);
   * absent = not run. `loadBalancer: false` is `--disable servicelb`.
   */
  cloudController?: { loadBalancer: boolean; zone?: string; region?: string };
  /** Managed etcd (`--cluster-init` / `--server`): this server runs an etcd member of an HA cluster. */
  ha?: HAConfig;
  /**
   * Run the controller-manager only while holding the `kube-system/kube-controller-manager`
   * Lease (upstream `--leader-elect`; `kubets server` turns it on whenever another server could share the datastore).
   */
  leaderElect?: boolean;
  /**
   * Secure ports (health, metrics) of the embedded controller-manager and scheduler
   * (`--kube-*-arg secure-port=N`): absent = not served, 0 = an ephemeral port.
   */
  securePorts?: SecurePorts;
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
  cloudControllerManager?: RunningCloudControllerManager;
  scheduler?: RunningScheduler;
  /** The URL clients use (`https://<advertise>:<port>`). */
  url: string;
  /** The managed etcd member and server token (HA servers only). */
  ha?: HADatastore;
  /** This server's leader-election identity (`<hostname>_<uuid>`), when leader election is on. */
  leaderIdentity?: string;
  /** The controller-manager's and scheduler's secure ports, where served (bound ports in `.port`). */
  componentEndpoints?: ComponentEndpoints;
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
    // HA: a joining server first fetches the cluster's CAs, so the PKI below issues from them.
    const haSettings = {
      dataDir: config.dataDir,
      advertiseAddress: config.advertiseAddress,
      critical: {
        serviceCIDR: config.serviceCIDR,
        clusterCIDR: config.clusterCIDR,
        clusterDomain: config.clusterDomain,
      },
      encryptionConfigPath: config.encryptionConfigPath,
    };
    const joined = config.ha ? await prepareJoin(haSettings, config.ha, { progress, log }) : undefined;

    progress('loading certificates');
    const pki = ensureClusterPKI({
      dir: join(config.dataDir, 'server', 'tls'),
      sans: [...config.tlsSans, config.advertiseAddress, hostname()],
      clusterDomain: config.clusterDomain,
      kubernetesServiceIP: firstServiceIP(config.serviceCIDR),
      clock,
    });

    progress('opening datastore');
    let ha: HADatastore | undefined;
    if (config.ha) {
      ha = owned.add(await startHADatastore(haSettings, config.ha, pki, joined!, { progress, log, clock }));
    }
    const storageConfig = ha?.storage ?? parseDatastoreEndpoint(config.datastoreEndpoint, { dataDir: config.dataDir });
    const raw = await openStorage({ ...storageConfig, clock, logger: log.child('storage') });
    owned.add(raw);
    const encryptionConfigPath = config.encryptionConfigPath ?? joined?.encryptionConfigPath;
    const storage = encryptionConfigPath ? encryptedStorage(raw, encryptionConfigPath) : raw;

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
    if (config.inflight) {
      const { maxRequestsInflight, maxMutatingRequestsInflight } = config.inflight;
      apiserver.flowControl = new FlowControl(
        clock,
        inflightLevelConfig(maxRequestsInflight, maxMutatingRequestsInflight),
      );
    }
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
    // Front proxy: requests signed by the request-header CA assert their user in X-Remote-* headers;
    // extension API servers learn whom to trust from kube-system/extension-apiserver-authentication.
    const requestHeader = defaultRequestHeaderConfig(pki.requestHeaderCA.certPEM);
    apiserver.authenticator = new FrontProxyAuthenticator(
      new RequestHeaderAuthenticator(requestHeader),
      apiserver.authenticator,
    );
    await publishExtensionAuthentication(apiserver, pki.clientCA.certPEM, requestHeader);
    const aggregator = new Aggregator(apiserver, {
      credentials: { certPEM: pki.frontProxyClient.certPEM, keyPEM: pki.frontProxyClient.keyPEM },
      clock,
      log: log.child('aggregator'),
    });
    attachAggregator(apiserver, aggregator);
    owned.defer(async () => {
      attachAggregator(apiserver, undefined);
      await aggregator.dispose();
    });
    await aggregator.start();
    // Listen only once authentication and authorization are in place.
    const https = await startHttpsServer({
      cert: pki.serving.certPEM + pki.serverCA.certPEM,
      key: pki.serving.keyPEM,
      // Both CAs verify at the handshake; the authenticators tell front-proxy certificates apart.
      clientCA: pki.clientCA.certPEM + pki.requestHeaderCA.certPEM,
      host: config.bindAddress,
      port: config.httpsPort,
      handler: (req) => ha?.routes(req) ?? apiserver.handle(req),
      upgrade: (req, socket, head) => apiserver.handleUpgrade(req, socket, head),
      log: log.child('https'),
    });
    owned.add(https);

    // What `kubets agent --token` joins through: cluster-info (signed per token by the bootstrapsigner) and RBAC.
    const advertise = config.advertiseAddress.includes(':') ? `[${config.advertiseAddress}]` : config.advertiseAddress;
    await ensureJoinBootstrapObjects(
      inProcessRest(
        apiserver,
        { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] },
        'kubets-server',
        { clock, log },
      ),
      {
        serverURL: `https://${advertise}:${https.port}`,
        caPEM: pki.serverCA.certPEM,
        clientCAPEM: pki.clientCA.certPEM,
        bootstrapGroups: [bootstrapGroup],
        approveKubeletServing: true,
      },
    );

    // The `kubernetes` Service's endpoints: this server's advertised address, shared with every other
    // server of an HA cluster (upstream lease reconciler). Loopback addresses are not valid endpoints.
    if (!/^127\./.test(config.advertiseAddress) && config.advertiseAddress !== '::1') {
      const reconciler = new LeaseEndpointReconciler({
        server: apiserver,
        storage,
        ip: config.advertiseAddress,
        port: config.httpsPort === 0 ? https.port : config.httpsPort,
        clock,
        log: log.child('endpoint-reconciler'),
      });
      await reconciler.start();
      owned.add(reconciler);
    }

    const leaderIdentity = config.leaderElect ? `${hostname()}_${randomUUID()}` : undefined;
    let scheduler: RunningScheduler | undefined;
    if (config.scheduler ?? true) {
      progress('starting scheduler');
      scheduler = await startScheduler({
        rest: inProcessRest(apiserver, componentUsers.scheduler, 'kube-scheduler', { clock, log }),
        // The file's leaderElection section is not used: the server decides (leaderElect above).
        config: config.schedulerConfig,
        leaderElection: leaderIdentity !== undefined,
        identity: leaderIdentity,
        clock,
        log: log.child('scheduler'),
      });
      owned.defer(() => scheduler!.stop());
    }

    let controllerManager: RunningControllerManager | undefined;
    if ((config.controllers ?? ['*']).length > 0) {
      progress(leaderIdentity ? `starting controllers (leader election as ${leaderIdentity})` : 'starting controllers');
      controllerManager = await startControllerManager({
        rest: inProcessRest(apiserver, componentUsers.controllerManager, 'kube-controller-manager', { clock, log }),
        restFor: (sa) => inProcessRest(apiserver, serviceAccountUser(sa), 'kube-controller-manager', { clock, log }),
        controllers: allControllers(),
        enabled: config.controllers ?? ['*'],
        config: {
          clusterCIDR: config.clusterCIDR,
          serviceCIDR: config.serviceCIDR,
          rootCAPEM: pki.serverCA.certPEM,
          // csrsigning issues node client certificates from the client CA and kubelet serving ones from the server CA.
          csrSigning: {
            clientCA: { certPEM: pki.clientCA.certPEM, keyPEM: pki.clientCA.keyPEM },
            servingCA: { certPEM: pki.serverCA.certPEM, keyPEM: pki.serverCA.keyPEM },
          },
          approveKubeletServingCSRs: true,
        },
        leaderElection: leaderIdentity
          ? {
              identity: leaderIdentity,
              onNewLeader: (id) => log.info('controller-manager leader', { leader: id, self: id === leaderIdentity }),
            }
          : undefined,
        clock,
        log: log.child('controller-manager'),
      });
      owned.defer(() => controllerManager!.stop());
    }

    let cloudControllerManager: RunningCloudControllerManager | undefined;
    if (config.cloudController) {
      const cc = config.cloudController;
      progress('starting cloud controllers');
      cloudControllerManager = await startCloudControllerManager({
        rest: inProcessRest(apiserver, cloudControllerManagerUser, 'cloud-controller-manager', { clock, log }),
        provider: (informers) =>
          localProviderFor(informers, { loadBalancer: cc.loadBalancer, zone: cc.zone, region: cc.region }),
        // Same identity and timings as the controller-manager; its own lease (kube-system/cloud-controller-manager).
        leaderElection: leaderIdentity ? { identity: leaderIdentity } : undefined,
        clock,
        log: log.child('cloud-controller-manager'),
      });
      owned.defer(() => cloudControllerManager!.stop());
    }

    let componentEndpoints: ComponentEndpoints | undefined;
    if (config.securePorts) {
      componentEndpoints = owned.add(
        await startComponentEndpoints({
          apiserver,
          pki,
          host: config.bindAddress,
          ports: config.securePorts,
          controllerManager,
          scheduler,
          leaderElect: leaderIdentity !== undefined,
          clock,
          log,
        }),
      );
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
    // k3s's per-component kubeconfigs (server/cred), for out-of-process components and users.
    writeComponentKubeconfigs(pki, join(config.dataDir, 'server', 'cred'), url);
    return {
      apiserver,
      https,
      storage,
      pki,
      config,
      url,
      controllerManager,
      cloudControllerManager,
      scheduler,
      ha,
      leaderIdentity,
      componentEndpoints,
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
