import { createRequire } from 'node:module';

export { kubernetesVersion } from '../api/version.js';

/** The kubets build version (package.json). */
export function kubetsVersion(): string {
  const require = createRequire(import.meta.url);
  try {
    return (require('../../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
