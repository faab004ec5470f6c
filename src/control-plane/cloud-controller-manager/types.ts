import type { EventRecorder, RestClient, SharedInformerFactory } from '../../client/index.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { CloudProvider } from './cloud-provider.js';

/** What every cloud controller gets for one leadership round (fresh informers each round). */
export interface CloudControllerContext {
  rest: RestClient;
  informers: SharedInformerFactory;
  recorder(component: string): EventRecorder;
  provider: CloudProvider;
  /** Upstream `--cluster-name` (default `kubernetes`), handed to the provider. */
  clusterName: string;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
}

/** One controller of the cloud-controller-manager (`--controllers` names as upstream). */
export interface CloudControllerDescriptor {
  /** `cloud-node`, `cloud-node-lifecycle`, `service`, `route`. */
  name: string;
  enabledByDefault: boolean;
  /** Whether the provider supports what this controller needs (upstream skips the controller otherwise). */
  supported(provider: CloudProvider): boolean;
  /** Registers informers synchronously; resolves once stopped after `ctx.signal` aborts. */
  start(ctx: CloudControllerContext): Promise<void>;
}
