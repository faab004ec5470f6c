import {
  type DefaulterTable,
  forEachObject,
  isEmptyCollection,
  isEmptyString,
  isNil,
  objectField,
  structField,
} from './util.js';

/**
 * apiextensions.k8s.io/v1 defaulters (upstream apiextensions-apiserver
 * `pkg/apis/apiextensions/v1/defaults.go`): names.singular/listKind from the
 * kind, conversion strategy None, webhook service port 443, and
 * status.storedVersions seeded with the storage version.
 */
export const apiextensionsDefaulters: DefaulterTable = {
  CustomResourceDefinition: (crd) => {
    const spec = structField(crd, 'spec');
    if (!spec) return;
    const names = structField(spec, 'names');
    if (names) {
      const kind = typeof names.kind === 'string' ? names.kind : '';
      if (isEmptyString(names.singular)) names.singular = kind.toLowerCase();
      if (isEmptyString(names.listKind) && kind !== '') names.listKind = `${kind}List`;
    }
    if (isNil(spec.conversion)) spec.conversion = { strategy: 'None' };
    const service = objectField(spec, 'conversion')?.webhook?.clientConfig?.service;
    if (service && typeof service === 'object' && isNil(service.port)) service.port = 443;
    const status = structField(crd, 'status');
    if (status && isEmptyCollection(status.storedVersions)) {
      let stored: string | undefined;
      forEachObject(spec.versions, (v) => {
        if (stored === undefined && v.storage === true && typeof v.name === 'string') stored = v.name;
      });
      if (stored !== undefined) status.storedVersions = [stored];
    }
  },
};
