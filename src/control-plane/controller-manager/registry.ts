import type { ControllerDescriptor } from './types.js';

/**
 * Every controller compiled into the controller-manager, in start order. Plain
 * data: nothing registers itself by import side effect.
 */
export function allControllers(): ControllerDescriptor[] {
  return [];
}
