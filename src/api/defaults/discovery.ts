import { type DefaulterTable, forEachObject, isNil } from './util.js';

/** discovery.k8s.io/v1 defaulters (upstream `pkg/apis/discovery/v1/defaults.go`). */
export const discoveryDefaulters: DefaulterTable = {
  EndpointSlice: (slice) => {
    forEachObject(slice.ports, (port) => {
      if (isNil(port.name)) port.name = '';
      if (isNil(port.protocol)) port.protocol = 'TCP';
    });
  },
};
