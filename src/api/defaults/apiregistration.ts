import { type DefaulterTable, isNil, objectField } from './util.js';

/** apiregistration.k8s.io/v1 defaulters (kube-aggregator `pkg/apis/apiregistration/v1/defaults.go`). */
export const apiregistrationDefaulters: DefaulterTable = {
  APIService: (svc) => {
    const service = objectField(svc, 'spec') && objectField(svc.spec, 'service');
    if (service && isNil(service.port)) service.port = 443;
  },
};
