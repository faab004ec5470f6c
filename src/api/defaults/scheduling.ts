import { type DefaulterTable, isNil } from './util.js';

/** scheduling.k8s.io/v1 defaulters (upstream `pkg/apis/scheduling/v1/defaults.go`). */
export const schedulingDefaulters: DefaulterTable = {
  PriorityClass: (pc) => {
    if (isNil(pc.preemptionPolicy)) pc.preemptionPolicy = 'PreemptLowerPriority';
  },
};
