import { ConfigError } from './config/load.js';
import type { ResolvedConfiguration } from './config/types.js';
import type { Ports } from './framework/interfaces.js';
import { Scheduler } from './scheduler.js';

/** Ports that never run: the dry run below builds the frameworks and schedules nothing. */
const inertPorts: Ports = {
  binder: { bind: async () => {} },
  statusUpdater: { podScheduledFalse: async () => {}, setNominatedNode: async () => {} },
  events: { event: () => {} },
  deleter: { deletePod: async () => {} },
};

/**
 * Instantiates every profile of a validated configuration (plugins,
 * extension points, args) without starting anything, so what only the
 * framework can detect — an unknown plugin, one enabled at a point it does
 * not implement, profiles with different queue sorts — fails at startup
 * with upstream's "initializing profiles: ..." message instead of when the
 * scheduler starts. Throws ConfigError.
 */
export function verifyConfiguration(config: ResolvedConfiguration): void {
  try {
    const s = new Scheduler({ config, ports: inertPorts });
    s.stop();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`initializing profiles: ${(err as Error).message}`);
  }
}
