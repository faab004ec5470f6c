// Builds the images kubets tests (and nodes without registry access) use, as OCI
// archives for `ctr images import`: kubets.local/pause:1, kubets.local/busybox:1,
// kubets.local/httpd:1, from Debian's busybox-static and a hand-assembled pause
// binary. No Docker, no network, no external tools; output is deterministic.
//
//   node scripts/build-test-images.mjs [--out DIR] [--busybox PATH] [--only pause,busybox,httpd]
//
// Prints a JSON array of { name, file, manifestDigest, imageId } on stdout. The
// builder lives in src/node/runtime/images/ (the agent builds the pause image at
// run time too); this script loads it through tsx from source, or from dist/ when
// tsx is not installed.
/* global process, console */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { root } from './bootstrap.mjs';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'dist', 'test-images') },
    busybox: { type: 'string', default: '/bin/busybox' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: node scripts/build-test-images.mjs [--out DIR] [--busybox PATH] [--only pause,busybox,httpd]');
  process.exit(0);
}

const only = values.only ? values.only.split(',').map((s) => s.trim()) : undefined;
for (const name of only ?? []) {
  if (!['pause', 'busybox', 'httpd'].includes(name)) {
    console.error(`build-test-images: unknown image ${JSON.stringify(name)} (want pause, busybox or httpd)`);
    process.exit(2);
  }
}
if (!only || only.some((n) => n !== 'pause')) {
  if (!existsSync(values.busybox)) {
    console.error(
      `build-test-images: ${values.busybox} not found; install Debian's busybox-static (apt-get install busybox-static)`,
    );
    process.exit(1);
  }
}

async function loadBuilder() {
  const source = join(root, 'src', 'node', 'runtime', 'images', 'test-images.ts');
  try {
    const { tsImport } = await import('tsx/esm/api');
    return await tsImport(pathToFileURL(source).href, import.meta.url);
  } catch (err) {
    const compiled = join(root, 'dist', 'src', 'node', 'runtime', 'images', 'test-images.js');
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !existsSync(compiled)) throw err;
    return import(pathToFileURL(compiled).href);
  }
}

const { buildTestImages } = await loadBuilder();
const results = buildTestImages(resolve(values.out), { busyboxPath: values.busybox, only });
console.log(JSON.stringify(results, null, 2));
