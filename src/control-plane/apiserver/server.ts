import { Scheme } from '../../api/scheme/scheme.js';
import type { Definitions } from '../../api/openapi/schema-types.js';
import { builtinResources } from '../../api/scheme/builtin-resources.js';
import { groupVersionString } from '../../api/scheme/types.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import type { Storage } from '../storage/interface.js';
import { AdmissionChain } from './admission/chain.js';
import { namespaceLifecycle } from './admission/namespace-lifecycle.js';
import type { MutatingAdmissionPlugin, ValidatingAdmissionPlugin } from './admission/types.js';
import { buildDiscovery, type DiscoverySnapshot } from './discovery/discovery.js';
import type { HandlerDeps } from './endpoints/context.js';
import { buildResources, servedKey, type BuiltResources } from './registry/build-resources.js';
import type { ServedResource } from './registry/served-resource.js';
import type { HealthCheck } from './routes/health.js';
import { OpenApiService } from './routes/openapi.js';
import { routeRequest } from './router.js';
import type { ApiRequest, ApiResponse } from './types.js';
import type { Authenticator } from './authn/types.js';
import type { Authorizer } from './authz/types.js';
import { RequestAuthenticator } from './authn/request-authenticator.js';
import { installSubresources } from './subresources.js';
import { bootstrapCluster } from './bootstrap.js';
import { CrdController } from './crd/crd-controller.js';
import { fieldHooks } from './field-hooks.js';
import type { ReviewDeps } from './security/reviews.js';
import type { Auditor } from './audit/recorder.js';
import { FlowControl } from './flowcontrol/flow-control.js';
import type { ApiServerCore } from './api-server-core.js';
import type { KubeletClientConfig } from './proxy/kubelet-proxy.js';
import { handleUpgrade } from './proxy/upgrade.js';
import type { Duplex } from 'node:stream';
import type {
  MutatingAdmissionPlugin as MutPlugin,
  ValidatingAdmissionPlugin as ValPlugin,
} from './admission/types.js';

export interface ApiServerOptions {
  storage: Storage;
  clock?: Clock;
  log?: Logger;
  /** Service CIDR (ClusterIPs are allocated from it; the first address is the `kubernetes` Service). */
  serviceCIDR?: string;
  clusterDomain?: string;
  /** Address and port clients reach this server on (discovery, the `kubernetes` endpoints). */
  advertiseAddress: string;
  securePort: number;
  /** Who is calling (default: client certificates and in-process identities; anonymous only on health/version). */
  authenticator?: Authenticator;
  /** May they (default: everyone authenticated may do anything — the security layer installs RBAC). */
  authorizer?: Authorizer;
  mutatingAdmission?: MutatingAdmissionPlugin[];
  validatingAdmission?: ValidatingAdmissionPlugin[];
  /** Hooks the fieldmanager/schema layers plug into (defaults: pass-through). */
  handlerHooks?: Partial<Pick<HandlerDeps, 'checkFields' | 'trackUpdate' | 'apply'>>;
}

/**
 * The API server core: scheme, stores and watch caches, discovery, OpenAPI,
 * admission, and request routing. Transport-independent: `handle()` serves an
 * ApiRequest from the HTTPS listener or from an in-process client alike.
 */
export class ApiServer implements ApiServerCore {
  readonly clock: Clock;
  readonly log: Logger;
  scheme: Scheme;
  private built: BuiltResources;
  private discoverySnapshot: DiscoverySnapshot;
  readonly openapi: OpenApiService;
  readonly admission: AdmissionChain;
  readonly deps: HandlerDeps;
  authenticator: Authenticator;
  authorizer: Authorizer | undefined;
  readonly healthChecks: HealthCheck[];
  private started = false;
  private crdController: CrdController | undefined;
  /** Answers the review resources (set by the security layer; without it everything is allowed). */
  reviews: ReviewDeps | undefined;
  /** Credentials for talking to kubelets (logs, exec, port-forward). */
  kubeletClient: KubeletClientConfig | undefined;
  /** Overload protection (API Priority and Fairness, simplified); undefined disables it. */
  flowControl: FlowControl | undefined;
  /** Audit logging (when an audit policy is configured). */
  auditor: Auditor | undefined;
  /** Extra non-resource routes (OIDC discovery...), tried before 404. */
  readonly extraRoutes: ((req: ApiRequest) => ApiResponse | undefined)[] = [];

  constructor(readonly opts: ApiServerOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.scheme = new Scheme(builtinResources());
    this.built = buildResources({
      scheme: this.scheme,
      storage: opts.storage,
      clock: this.clock,
      log: this.log,
      serviceCIDR: opts.serviceCIDR ?? '10.43.0.0/16',
    });
    this.admission = new AdmissionChain(opts.mutatingAdmission ?? [], [
      namespaceLifecycle(
        async (name) =>
          this.resource('', 'v1', 'namespaces')?.store.deps.cache.get(
            this.scheme.storageKey(this.resource('', 'v1', 'namespaces')!.info, undefined, name),
          )?.object,
      ),
      ...(opts.validatingAdmission ?? []),
    ]);
    this.deps = {
      clock: this.clock,
      log: this.log,
      admission: this.admission,
      ...fieldHooks(this.clock),
      ...opts.handlerHooks,
    };
    this.authenticator = opts.authenticator ?? new RequestAuthenticator({ tokenAuthenticators: [] });
    this.authorizer = opts.authorizer;
    this.flowControl = new FlowControl(this.clock);
    installSubresources(this);
    this.openapi = new OpenApiService(() => this.scheme.resources());
    this.discoverySnapshot = this.buildDiscovery();
    this.healthChecks = [
      { name: 'ping', check: async () => true },
      { name: 'log', check: async () => true },
      {
        name: this.opts.storage.backend === 'etcd' ? 'etcd' : 'datastore',
        check: async () => (await this.opts.storage.currentRevision()) >= 0,
      },
      { name: 'poststarthook/bootstrap-controller', check: async () => this.started },
    ];
  }

  private buildDiscovery(): DiscoverySnapshot {
    return buildDiscovery(
      [...this.scheme.resources()],
      (g) => this.scheme.preferredVersion(g),
      `${this.opts.advertiseAddress}:${this.opts.securePort}`,
    );
  }

  get discovery(): DiscoverySnapshot {
    return this.discoverySnapshot;
  }

  /** Served resource by group/version/plural. */
  resource(group: string, version: string, plural: string): ServedResource | undefined {
    return this.built.served.get(servedKey(group, version, plural));
  }

  /** The preferred served version of a group-resource. */
  preferred(group: string, plural: string): ServedResource | undefined {
    const info = this.scheme.preferredForGroupResource(group, plural);
    return info ? this.resource(info.group, info.version, info.plural) : undefined;
  }

  get allocators() {
    return { serviceIPs: this.built.serviceIPs, nodePorts: this.built.nodePorts };
  }

  private custom = new Map<string, ServedResource>();

  /**
   * Replaces the set of custom resources served (from CustomResourceDefinitions)
   * and refreshes the scheme, discovery and OpenAPI.
   */
  setCustomResources(list: ServedResource[], definitions?: Definitions): void {
    for (const k of this.custom.keys()) this.built.served.delete(k);
    this.custom = new Map(list.map((r) => [servedKey(r.info.group, r.info.version, r.info.plural), r]));
    for (const [k, r] of this.custom) this.built.served.set(k, r);
    this.scheme = new Scheme([...builtinResources(), ...list.map((r) => r.info)]);
    this.discoverySnapshot = this.buildDiscovery();
    this.openapi.invalidate(definitions ?? {});
  }

  addValidatingAdmission(p: ValPlugin): void {
    this.admission.addValidating(p);
  }
  addMutatingAdmission(p: MutPlugin): void {
    this.admission.addMutating(p);
  }

  /** Every served resource (built-in and custom). */
  servedResources(): ServedResource[] {
    return [...this.built.served.values()];
  }

  /** Starts every watch cache and creates the system namespaces and the `kubernetes` Service. */
  async start(): Promise<void> {
    await Promise.all(this.built.caches.map((c) => c.start()));
    await bootstrapCluster(this);
    this.crdController = new CrdController(this);
    await this.crdController.start();
    this.started = true;
  }

  handle(req: ApiRequest): Promise<ApiResponse> {
    return routeRequest(this, req);
  }

  /** HTTP/1.1 upgrades (exec, attach, port-forward), proxied to the pod's kubelet. */
  handleUpgrade(req: ApiRequest, socket: Duplex, head: Buffer): Promise<void> {
    return handleUpgrade(this, req, socket, head);
  }

  async dispose(): Promise<void> {
    await this.crdController?.dispose();
    await Promise.all(this.built.caches.map((c) => c.dispose()));
  }

  /** `apps/v1` style apiVersion of a served resource. */
  static apiVersionOf(r: ServedResource): string {
    return groupVersionString(r.info);
  }
}
