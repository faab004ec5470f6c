/**
 * A stand-in for the containerd binary in ManagedContainerd's unit tests: reads
 * the generated config (`--config <file>`), serves CRI `Version`/`Status` on the
 * configured gRPC socket, and exits 0 on SIGTERM. `--mode exit` fails at once
 * (like a bad config); `--mode mute` never listens (like a hung daemon).
 *
 *   node --import tsx fake-containerd.ts [--mode serve|exit|mute] --config <file>
 */
import { readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startFakeCriServer } from '../../cri/testing/fake-cri-server.js';

const { values } = parseArgs({ options: { config: { type: 'string' }, mode: { type: 'string', default: 'serve' } } });
const config = readFileSync(values.config!, 'utf8');
const address = /\[grpc\]\s*\n\s*address = "([^"]+)"/.exec(config)?.[1];
if (!address) throw new Error(`no [grpc] address in ${values.config}`);

console.log(`fake containerd pid ${process.pid} mode ${values.mode}`);
if (values.mode === 'exit') {
  console.error('containerd: failed to load config: boom');
  process.exit(1);
}
if (values.mode === 'mute') {
  setInterval(() => undefined, 1 << 30);
  process.on('SIGTERM', () => process.exit(0));
} else {
  // Like containerd: a socket left by a killed predecessor is replaced.
  rmSync(address, { force: true });
  const server = await startFakeCriServer(address, {
    Version: () => ({ version: '0.1.0', runtimeName: 'fake-containerd', runtimeVersion: '0', runtimeApiVersion: 'v1' }),
    Status: () => ({ status: { conditions: [{ type: 'RuntimeReady', status: true }] } }),
  });
  console.log(`serving ${address}`);
  process.on('SIGTERM', () => {
    void server.close().then(() => process.exit(0));
  });
}
