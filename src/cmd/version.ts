import { createRequire } from 'node:module';

/** The Kubernetes version kubets implements (what /version reports) and the kubets build version. */
export const kubernetesVersion = { major: '1', minor: '32', gitVersion: 'v1.32.4+kubets' } as const;

export function kubetsVersion(): string {
  const require = createRequire(import.meta.url);
  try {
    return (require('../../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
