import type { KubeObject } from '../../watch-cache/types.js';

/**
 * Converts custom objects between the versions of one CRD (upstream
 * `apiextensions-apiserver/pkg/apiserver/conversion` CRConverter).
 *
 * Contract: the result has one object per input, in input order; objects
 * already at `apiVersion` come back as they are (never sent anywhere); the
 * inputs are never mutated. `list` selects how a failure is worded (upstream
 * converts a single object or an UnstructuredList, and its messages differ).
 * Failures are StatusErrors (500) with upstream's messages.
 */
export interface CrConverter {
  convert(objects: readonly KubeObject[], apiVersion: string, opts?: { list?: boolean }): Promise<KubeObject[]>;
}

/** Strategy None (upstream nopConverter): only apiVersion changes. */
export const nopConverter: CrConverter = {
  convert(objects, apiVersion) {
    return Promise.resolve(objects.map((o) => (o.apiVersion === apiVersion ? o : { ...o, apiVersion })));
  },
};
