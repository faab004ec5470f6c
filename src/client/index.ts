/**
 * The client library (our client-go): transports, the REST and typed clients,
 * informers, work queues, the controller runner, leader election and events.
 * Objects returned anywhere here may be shared with caches (the informer's, or
 * the apiserver's in process): treat them as read-only and copy before
 * changing them.
 */
export * from './transport.js';
export * from './inprocess-types.js';
export { InProcessTransport, type InProcessTransportOptions } from './inprocess-transport.js';
export { HttpTransport, type HttpTransportOptions } from './http-transport.js';
export * from './kubeconfig.js';
export { defaultUserAgent, clientKubernetesVersion } from './user-agent.js';
export { RestClient, type RestClientOptions, type RequestOptions } from './rest-client.js';
export * from './resource-client.js';
export * from './resource-path.js';
export { Watch, type WatchEventOf } from './watch.js';
export { errorFromResponse, statusErrorFrom } from './response-error.js';
export * from './controller.js';
export * from './leader-election.js';
export * from './leader-elected-run.js';
export * from './controller-selection.js';
export * from './informers/keys.js';
export * from './informers/indexers.js';
export { Indexer } from './informers/indexer.js';
export { Lister, NamespaceLister } from './informers/lister.js';
export { listWatchFor, type ListerWatcher, type ListWatchSelectors } from './informers/list-watch.js';
export { Reflector, type ReflectorOptions, type ReflectorStore } from './informers/reflector.js';
export * from './informers/shared-informer.js';
export * from './informers/informer-factory.js';
export { WorkQueue, type QueueMetrics } from './workqueue/queue.js';
export { DelayingQueue } from './workqueue/delaying-queue.js';
export * from './workqueue/rate-limiters.js';
export { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';
export {
  EventBroadcaster,
  EventRecorder,
  type EventBroadcasterOptions,
  type EventSourceInfo,
  type EventStats,
  type EventSubject,
  type EventType,
} from './events/event-recorder.js';
