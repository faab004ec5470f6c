/**
 * The addon deployer (k3s's deploy controller over `server/manifests`): an
 * ordinary API client that server-side applies (field manager
 * `kubets-deploy`, force) every manifest file in a folder.
 *
 * Contract, per pass (passes never overlap):
 * - a file is applied when its content changed since it last applied
 *   cleanly, and every file on each resync (default 5 min), so objects
 *   someone deleted or edited come back;
 * - what a file applied is recorded (addon-record.ts); objects a changed file
 *   no longer holds are deleted, and when the file is removed, all of its
 *   objects and its record are;
 * - a file that fails to parse or apply is logged and reported as an Event
 *   (once per content and error), and the pass goes on with the others; a
 *   failed apply is retried every pass (a CRD it needs may appear), a parse
 *   error only once the content changes;
 * - `<file>.skip` keeps `<file>` from being applied, and from being removed:
 *   its objects stay as they are.
 * Files are visited in name order, objects in file order; deletions go in
 * reverse order.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNotFound } from '../../api/errors/status-error.js';
import { ResourceClient, type KubeObject } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { type Clock, realClock } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { AddonRecords, staleObjects, unionObjects, type AddonRecord } from './addon-record.js';
import { DeployEvents, deployComponent } from './deploy-events.js';
import {
  isManifestFileName,
  manifestChecksum,
  parseManifest,
  refOf,
  skipSuffix,
  type ObjectRef,
} from './manifest-file.js';
import { DiscoveryRESTMapper, NoKindMatchError } from './rest-mapper.js';

export interface ManifestDeployerOptions {
  /** A client allowed to write whatever the manifests hold (the server's admin identity). */
  rest: RestClient;
  /** The manifests folder (created when missing). */
  dir: string;
  fieldManager?: string;
  /** How often the folder is checked for changes; default 5 s. */
  pollMs?: number;
  /** How often every file is re-applied regardless; default 5 min. */
  resyncMs?: number;
  /** This server's identity on the records; records of other servers are never removed by this one. */
  source?: string;
  clock?: Clock;
  log?: Logger;
}

export type FileOutcome = 'applied' | 'unchanged' | 'failed' | 'removed' | 'skipped';

export interface PassResult {
  /** Per file name (removed files by their recorded name). */
  files: Record<string, FileOutcome>;
}

export const defaultFieldManager = deployComponent;

export class ManifestDeployer implements Disposable {
  private readonly fieldManager: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly mapper: DiscoveryRESTMapper;
  private readonly records: AddonRecords;
  private readonly events: DeployEvents;
  /** Checksum each file last applied cleanly with, in this process. */
  private readonly applied = new Map<string, string>();
  /** Per file: `<checksum>\n<error>` of the last failure reported, so one failure makes one event. */
  private readonly reported = new Map<string, string>();
  /** Per file: checksum of content that does not parse. */
  private readonly unparsable = new Map<string, string>();
  private readonly stop = new AbortController();
  private running: Promise<unknown> = Promise.resolve();
  private loop?: Promise<void>;
  private lastResync = -Infinity;

  constructor(private readonly o: ManifestDeployerOptions) {
    this.fieldManager = o.fieldManager ?? defaultFieldManager;
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? nullLogger;
    this.mapper = new DiscoveryRESTMapper(o.rest);
    this.records = new AddonRecords(o.rest, this.fieldManager);
    this.events = new DeployEvents(o.rest, this.clock, this.log);
  }

  /** Runs a first pass (its result returned), then keeps polling until disposed. */
  async start(): Promise<PassResult> {
    const first = await this.sync({ resync: true });
    this.loop ??= this.run();
    return first;
  }

  /** One pass now (after any pass in progress); `resync` re-applies unchanged files too. */
  sync(opts: { resync?: boolean } = {}): Promise<PassResult> {
    const next = this.running.then(() => this.pass(opts.resync ?? false));
    this.running = next.catch(() => undefined);
    return next;
  }

  async dispose(): Promise<void> {
    this.stop.abort();
    await this.loop;
    await this.running;
  }

  private async run(): Promise<void> {
    const pollMs = this.o.pollMs ?? 5000;
    const resyncMs = this.o.resyncMs ?? 5 * 60_000;
    while (!this.stop.signal.aborted) {
      try {
        await this.clock.sleep(pollMs, this.stop.signal);
      } catch {
        return;
      }
      try {
        await this.sync({ resync: this.clock.monotonic() - this.lastResync >= resyncMs });
      } catch (err) {
        if (!this.stop.signal.aborted) this.log.warn('a manifest pass failed; retrying', { err });
      }
    }
  }

  private readFolder(): { present: Map<string, Buffer>; skipped: Set<string> } {
    mkdirSync(this.o.dir, { recursive: true });
    const names = readdirSync(this.o.dir).sort();
    const all = new Set(names);
    const present = new Map<string, Buffer>();
    const skipped = new Set<string>();
    for (const name of names) {
      if (!isManifestFileName(name)) continue;
      if (all.has(`${name}${skipSuffix}`)) {
        skipped.add(name);
        continue;
      }
      try {
        present.set(name, readFileSync(join(this.o.dir, name)));
      } catch (err) {
        // A directory named like a manifest, or a file removed meanwhile: not a manifest now.
        this.log.debug('cannot read a manifest', { file: name, err });
      }
    }
    return { present, skipped };
  }

  private async pass(resync: boolean): Promise<PassResult> {
    if (resync) {
      this.lastResync = this.clock.monotonic();
      // Served resources may have changed (CRDs, upgrades): rediscover them.
      this.mapper.reset();
    }
    const { present, skipped } = this.readFolder();
    const records = new Map((await this.records.list()).map((r) => [r.file, r]));
    const files: Record<string, FileOutcome> = {};
    for (const name of skipped) files[name] = 'skipped';
    for (const [name, content] of present) {
      files[name] = await this.applyFile(name, content, records.get(name), resync);
    }
    for (const rec of records.values()) {
      if (present.has(rec.file) || skipped.has(rec.file)) continue;
      if (this.o.source && rec.source && rec.source !== this.o.source) continue;
      files[rec.file] = (await this.removeFile(rec)) ? 'removed' : 'failed';
    }
    return { files };
  }

  private async applyFile(
    name: string,
    content: Buffer,
    record: AddonRecord | undefined,
    resync: boolean,
  ): Promise<FileOutcome> {
    const checksum = manifestChecksum(content);
    if (!resync && this.applied.get(name) === checksum && record?.checksum === checksum) return 'unchanged';
    if (this.unparsable.get(name) === checksum) return 'failed';
    let objects: KubeObject[];
    try {
      objects = parseManifest(name, content);
    } catch (err) {
      this.unparsable.set(name, checksum);
      await this.failed(name, checksum, `parsing ${name} failed: ${(err as Error).message}`);
      return 'failed';
    }
    this.unparsable.delete(name);
    const done: ObjectRef[] = [];
    for (const obj of objects) {
      try {
        done.push(await this.applyObject(obj));
      } catch (err) {
        const ref = refOf(obj);
        const what = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
        // Remember what did apply, so removing the file still cleans it up.
        await this.writeRecord(name, record?.checksum ?? '', unionObjects(record?.objects ?? [], done));
        await this.failed(name, checksum, `applying ${name} failed at ${what}: ${(err as Error).message}`);
        return 'failed';
      }
    }
    for (const ref of staleObjects(record?.objects ?? [], done)) await this.deleteObject(ref);
    await this.writeRecord(name, checksum, done);
    this.applied.set(name, checksum);
    this.reported.delete(name);
    if (record?.checksum !== checksum) {
      this.log.info('applied manifest', { file: name, objects: done.length });
      await this.events.emit(name, 'Normal', 'AppliedManifest', `Applied manifest ${name} (${done.length} objects)`);
    }
    return 'applied';
  }

  /** Applies one object; returns its reference with the namespace resolved as the server placed it. */
  private async applyObject(obj: KubeObject): Promise<ObjectRef> {
    const ref = refOf(obj);
    const mapping = await this.mapper.mappingFor(ref.apiVersion, ref.kind, this.stop.signal);
    const namespace = mapping.namespaced ? (ref.namespace ?? 'default') : undefined;
    const body: KubeObject = { ...obj, metadata: { ...obj.metadata } };
    if (namespace) body.metadata!.namespace = namespace;
    else delete body.metadata!.namespace;
    await new ResourceClient(this.o.rest, mapping.resource, namespace).apply(body, {
      fieldManager: this.fieldManager,
      force: true,
    });
    return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, ...(namespace ? { namespace } : {}) };
  }

  /** Deletes one recorded object; gone already (or its kind no longer served) counts as done. */
  private async deleteObject(ref: ObjectRef): Promise<void> {
    let mapping;
    try {
      mapping = await this.mapper.mappingFor(ref.apiVersion, ref.kind, this.stop.signal);
    } catch (err) {
      if (err instanceof NoKindMatchError) return;
      throw err;
    }
    const client = new ResourceClient(this.o.rest, mapping.resource, mapping.namespaced ? ref.namespace : undefined);
    await client.delete(ref.name, { propagationPolicy: 'Background' }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    this.log.info('deleted an object of a manifest', { ...ref });
  }

  /** Deletes everything a removed file applied, then its record; false when something could not be deleted. */
  private async removeFile(rec: AddonRecord): Promise<boolean> {
    try {
      for (const ref of [...rec.objects].reverse()) await this.deleteObject(ref);
      await this.records.delete(rec.name);
    } catch (err) {
      this.log.warn('removing the objects of a removed manifest failed', { file: rec.file, err });
      await this.events.emit(
        rec.file,
        'Warning',
        'DeleteManifestFailed',
        `Deleting the objects of removed manifest ${rec.file} failed: ${(err as Error).message}`,
      );
      return false;
    }
    this.applied.delete(rec.file);
    this.reported.delete(rec.file);
    this.log.info('removed manifest', { file: rec.file, objects: rec.objects.length });
    await this.events.emit(
      rec.file,
      'Normal',
      'DeletedManifest',
      `Deleted the ${rec.objects.length} objects of removed manifest ${rec.file}`,
    );
    return true;
  }

  private async writeRecord(file: string, checksum: string, objects: ObjectRef[]): Promise<void> {
    await this.records.write({ file, checksum, objects, ...(this.o.source ? { source: this.o.source } : {}) });
  }

  private async failed(file: string, checksum: string, message: string): Promise<void> {
    const key = `${checksum}\n${message}`;
    if (this.reported.get(file) === key) return;
    this.reported.set(file, key);
    this.log.warn('manifest not applied', { file, error: message });
    await this.events.emit(file, 'Warning', 'ApplyManifestFailed', message);
  }
}
