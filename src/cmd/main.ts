import { runCli, type Command } from '../cli/command.js';
import { kubernetesVersion, kubetsVersion } from './version.js';
import { serverCommand } from './server.js';
import { agentCommand } from './agent.js';
import { etcdSnapshotCommand } from './etcd-snapshot.js';
import { tokenCommand } from './token.js';
import { kubectlCommand } from './kubectl-command.js';
import { checkConfigCommand } from './check-config.js';
import { imageCommand } from './image.js';
import { uninstallCommand } from './uninstall.js';
import { simCommand } from './sim.js';

/**
 * Composition root of the `kubets` binary: builds the command list and
 * dispatches. Each command's wiring lives in its own file under src/cmd.
 */
function commands(): Command[] {
  return [
    serverCommand,
    agentCommand,
    tokenCommand,
    etcdSnapshotCommand,
    kubectlCommand,
    checkConfigCommand,
    imageCommand,
    uninstallCommand,
    simCommand,
    {
      name: 'version',
      summary: 'Print the kubets and Kubernetes versions',
      async run({ stdout }) {
        stdout.write(`kubets ${kubetsVersion()} (Kubernetes ${kubernetesVersion.gitVersion})\n`);
        return 0;
      },
    },
  ];
}

export async function main(argv: string[]): Promise<number> {
  return runCli('kubets', 'a lightweight Kubernetes in TypeScript', commands(), argv);
}
