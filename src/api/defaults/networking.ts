import { type DefaulterTable, forEachObject, isEmptyCollection, isNil, objectField, structField } from './util.js';

/**
 * networking.k8s.io/v1 defaulters (upstream `pkg/apis/networking/v1/defaults.go`).
 * Ingress has none: `pathType` is required, not defaulted.
 */
export const networkingDefaulters: DefaulterTable = {
  NetworkPolicy: (np) => {
    const spec = structField(np, 'spec');
    if (!spec) return;
    // podSelector is a struct field, so a Go server always writes it.
    structField(spec, 'podSelector');
    for (const rules of [spec.ingress, spec.egress]) {
      forEachObject(rules, (rule) =>
        forEachObject(rule.ports, (port) => {
          if (isNil(port.protocol)) port.protocol = 'TCP';
        }),
      );
    }
    if (isEmptyCollection(spec.policyTypes)) {
      // A policy naming no types is at least an ingress policy; egress when it has egress rules.
      spec.policyTypes = isEmptyCollection(spec.egress) ? ['Ingress'] : ['Ingress', 'Egress'];
    }
  },
  IngressClass: (ic) => {
    const spec = structField(ic, 'spec');
    const parameters = spec && objectField(spec, 'parameters');
    if (parameters && isNil(parameters.scope)) parameters.scope = 'Cluster';
  },
};
