import type { Definitions } from '../../api/openapi/schema-types.js';
import type { Scheme } from '../../api/scheme/scheme.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { Storage } from '../storage/interface.js';
import type { MutatingAdmissionPlugin, ValidatingAdmissionPlugin } from './admission/types.js';
import type { Auditor } from './audit/recorder.js';
import type { Authenticator } from './authn/types.js';
import type { Authorizer } from './authz/types.js';
import type { DiscoverySnapshot } from './discovery/discovery.js';
import type { HandlerDeps } from './endpoints/context.js';
import type { FlowControl } from './flowcontrol/flow-control.js';
import type { ServedResource } from './registry/served-resource.js';
import type { HealthCheck } from './routes/health.js';
import type { OpenApiService } from './routes/openapi.js';
import type { ReviewDeps } from './security/reviews.js';
import type { KubeletClientConfig } from './proxy/kubelet-proxy.js';
import type { ApiRequest, ApiResponse } from './types.js';

/** The options the core needs to know about (a subset of ApiServerOptions). */
export interface ApiServerCoreOptions {
  storage: Storage;
  serviceCIDR?: string;
  clusterDomain?: string;
  advertiseAddress: string;
  securePort: number;
}

/**
 * What the request pipeline, subresources, bootstrap, the CRD controller and
 * the security layer use of the API server. `ApiServer` implements it; those
 * modules depend on this interface, never on `server.ts`, so the server can
 * import them without an import cycle.
 */
export interface ApiServerCore {
  readonly opts: ApiServerCoreOptions;
  readonly clock: Clock;
  readonly log: Logger;
  readonly scheme: Scheme;
  readonly deps: HandlerDeps;
  readonly discovery: DiscoverySnapshot;
  readonly openapi: OpenApiService;
  readonly healthChecks: HealthCheck[];
  readonly extraRoutes: ((req: ApiRequest) => ApiResponse | undefined)[];
  authenticator: Authenticator;
  authorizer: Authorizer | undefined;
  flowControl: FlowControl | undefined;
  auditor: Auditor | undefined;
  reviews: ReviewDeps | undefined;
  /** Credentials for talking to kubelets (logs, exec, port-forward); undefined until configured. */
  kubeletClient: KubeletClientConfig | undefined;
  resource(group: string, version: string, plural: string): ServedResource | undefined;
  preferred(group: string, plural: string): ServedResource | undefined;
  servedResources(): ServedResource[];
  setCustomResources(list: ServedResource[], definitions?: Definitions): void;
  addValidatingAdmission(p: ValidatingAdmissionPlugin): void;
  addMutatingAdmission(p: MutatingAdmissionPlugin): void;
}
