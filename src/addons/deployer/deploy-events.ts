/**
 * Events the deployer reports about manifest files (k3s reports them on its
 * Addon objects): they name the file's record ConfigMap in kube-system as
 * their object, so `kubectl -n kube-system get events` and `kubectl describe
 * configmap kubets-addon-<file>` show them. Best effort: a failure to write
 * an event is logged, never thrown.
 */
import type { Event } from 'kubernetes-types/core/v1.js';
import { randomBytes } from 'node:crypto';
import { ResourceClient, type KubeObject } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { recordName, recordNamespace } from './addon-record.js';

export type DeployEventReason = 'AppliedManifest' | 'ApplyManifestFailed' | 'DeletedManifest' | 'DeleteManifestFailed';

export const deployComponent = 'kubets-deploy';

/** Writes `core/v1` Events about manifest files. */
export class DeployEvents {
  private readonly events: ResourceClient<Event & KubeObject>;

  constructor(
    rest: RestClient,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.events = new ResourceClient(rest, { group: '', version: 'v1', resource: 'events' }, recordNamespace);
  }

  async emit(file: string, type: 'Normal' | 'Warning', reason: DeployEventReason, message: string): Promise<void> {
    const object = recordName(file);
    const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const event: Event & KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${object}.${randomBytes(8).toString('hex')}`, namespace: recordNamespace },
      involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', namespace: recordNamespace, name: object },
      reason,
      // Upstream caps event messages at 1 KiB.
      message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
      type,
      source: { component: deployComponent },
      reportingComponent: deployComponent,
      reportingInstance: deployComponent,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    await this.events.create(event).catch((err: unknown) => {
      this.log.warn('writing an event failed', { file, reason, err });
    });
  }
}
