import type { ControllerDescriptor } from './types.js';
import { garbageCollectorController } from './controllers/garbage-collector/garbage-collector.js';
import { namespaceController } from './controllers/namespace/namespace-controller.js';
import { serviceAccountController } from './controllers/serviceaccount/serviceaccount-controller.js';
import { rootCAPublisherController } from './controllers/root-ca-publisher/root-ca-publisher.js';

/**
 * Every controller compiled into the controller-manager, in start order. Plain
 * data: nothing registers itself by import side effect.
 */
export function allControllers(): ControllerDescriptor[] {
  return [garbageCollectorController, namespaceController, serviceAccountController, rootCAPublisherController];
}
