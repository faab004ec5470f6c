import type { ApiServerCore } from '../api-server-core.js';
import type { Aggregator } from './aggregator.js';

/**
 * The aggregator of an API server. Kept beside the server rather than on it so
 * the request pipeline can find it without the server owning aggregation;
 * `cmd/` attaches one when the cluster has a front-proxy certificate.
 */
const aggregators = new WeakMap<ApiServerCore, Aggregator>();

export function attachAggregator(server: ApiServerCore, aggregator: Aggregator | undefined): void {
  if (aggregator) aggregators.set(server, aggregator);
  else aggregators.delete(server);
}

export function aggregatorOf(server: ApiServerCore): Aggregator | undefined {
  return aggregators.get(server);
}
