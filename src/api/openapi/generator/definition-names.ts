/**
 * Upstream OpenAPI definition names for `kubernetes-types` modules. The package
 * lays files out by Go package (`core/v1`, `meta/v1`, `api/resource`, `runtime`,
 * `version`, `apiextensions/v1`); upstream names definitions by Go import path
 * with `k8s.io/` turned into `io.k8s.` and slashes into dots.
 */
const fixedPrefixes: Record<string, string> = {
  'meta/v1': 'io.k8s.apimachinery.pkg.apis.meta.v1',
  'api/resource': 'io.k8s.apimachinery.pkg.api.resource',
  runtime: 'io.k8s.apimachinery.pkg.runtime',
  version: 'io.k8s.apimachinery.pkg.version',
  'apiextensions/v1': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
};

/** `core/v1` -> `io.k8s.api.core.v1`. */
export function definitionPrefix(moduleKey: string): string {
  const fixed = fixedPrefixes[moduleKey];
  if (fixed) return fixed;
  if (!/^[a-z0-9]+\/v[0-9a-z]+$/.test(moduleKey)) {
    throw new Error(`openapi generator: no definition prefix for module "${moduleKey}"`);
  }
  return `io.k8s.api.${moduleKey.replace('/', '.')}`;
}

/** `core/v1`, `PodSpec` -> `io.k8s.api.core.v1.PodSpec`. */
export function definitionName(moduleKey: string, name: string): string {
  return `${definitionPrefix(moduleKey)}.${name}`;
}
