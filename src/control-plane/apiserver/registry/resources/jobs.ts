import type { ResourceInfo } from '../../../../api/scheme/types.js';
import type { KubeObject } from '../../watch-cache/types.js';
import { defaultStrategy } from '../default-strategy.js';
import type { ResourceStrategy } from '../strategy.js';

type JobSpec = {
  manualSelector?: boolean;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  template?: { metadata?: { labels?: Record<string, string> } };
};

/**
 * Jobs: unless `manualSelector` is set, the selector is generated from the
 * Job's UID and the pod template gets the matching labels (upstream
 * `registry/batch/job/strategy.go` generateSelector).
 */
export function jobStrategy(info: ResourceInfo): ResourceStrategy {
  return defaultStrategy(info, {
    afterPrepareCreate(_ctx, obj: KubeObject) {
      const spec = (obj.spec ??= {}) as JobSpec;
      if (spec.manualSelector) return;
      const uid = String(obj.metadata.uid);
      const name = String(obj.metadata.name ?? '');
      const tmpl = (spec.template ??= {});
      const meta = (tmpl.metadata ??= {});
      meta.labels = {
        ...(meta.labels ?? {}),
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': name,
        'controller-uid': uid,
        'job-name': name,
      };
      spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    },
  });
}
