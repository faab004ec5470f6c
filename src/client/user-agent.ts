/** The Kubernetes version kubets clients report (kept in step with the served version). */
export const clientKubernetesVersion = 'v1.32.4';

const archNames: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  s390x: 's390x',
  ppc64: 'ppc64le',
};

/**
 * client-go's User-Agent shape, `<command>/<version> (<os>/<arch>) <suffix>`,
 * e.g. `kubets-controller-manager/v1.32.4 (linux/amd64) kubets`. The apiserver
 * derives default field managers from the part before the first `/`.
 */
export function defaultUserAgent(component: string, version: string = clientKubernetesVersion): string {
  const os = process.platform;
  const arch = archNames[process.arch] ?? process.arch;
  return `${component}/${version} (${os}/${arch}) kubets`;
}
