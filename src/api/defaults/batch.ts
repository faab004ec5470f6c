import { defaultPodTemplateSpec } from './pod-spec.js';
import {
  type DefaulterTable,
  type JsonObject,
  copyJson,
  forEachObject,
  isEmptyCollection,
  isEmptyString,
  isNil,
  isObject,
  objectField,
  structField,
} from './util.js';

const MAX_INT32 = 2147483647;

/**
 * batch/v1 defaulters (upstream v1.32 `pkg/apis/batch/v1/defaults.go`, with
 * JobPodReplacementPolicy on as in 1.32). Generating the selector and the
 * `batch.kubernetes.io/controller-uid` / `job-name` labels when
 * `manualSelector` is not true is the Job registry's job, not defaulting's.
 */
export const batchDefaulters: DefaulterTable = {
  Job: (job) => {
    const spec = structField(job, 'spec');
    if (!spec) return;
    if (isNil(spec.completions) && isNil(spec.parallelism)) {
      spec.completions = 1;
      spec.parallelism = 1;
    }
    if (isNil(spec.parallelism)) spec.parallelism = 1;
    if (isNil(spec.backoffLimit)) spec.backoffLimit = isNil(spec.backoffLimitPerIndex) ? 6 : MAX_INT32;
    const templateLabels = objectField(spec, 'template') && objectField(spec.template, 'metadata')?.labels;
    const metadata = structField(job, 'metadata');
    if (
      isObject(templateLabels) &&
      Object.keys(templateLabels).length > 0 &&
      metadata &&
      isEmptyCollection(metadata.labels)
    ) {
      metadata.labels = copyJson(templateLabels);
    }
    if (isNil(spec.completionMode)) spec.completionMode = 'NonIndexed';
    if (isNil(spec.suspend)) spec.suspend = false;
    if (isNil(spec.podReplacementPolicy)) {
      spec.podReplacementPolicy = isNil(spec.podFailurePolicy) ? 'TerminatingOrFailed' : 'Failed';
    }
    if (isNil(spec.manualSelector)) spec.manualSelector = false;
    defaultJobSpecTypes(spec);
  },
  CronJob: (cj) => {
    const spec = structField(cj, 'spec');
    if (!spec) return;
    if (isEmptyString(spec.concurrencyPolicy)) spec.concurrencyPolicy = 'Allow';
    if (isNil(spec.suspend)) spec.suspend = false;
    if (isNil(spec.successfulJobsHistoryLimit)) spec.successfulJobsHistoryLimit = 3;
    if (isNil(spec.failedJobsHistoryLimit)) spec.failedJobsHistoryLimit = 1;
    const jobTemplate = structField(spec, 'jobTemplate');
    if (!jobTemplate) return;
    // JobTemplateSpec's metadata is a struct: a Go server writes a null creationTimestamp.
    const metadata = structField(jobTemplate, 'metadata');
    if (metadata && !('creationTimestamp' in metadata)) metadata.creationTimestamp = null;
    // Only type-level defaults reach a CronJob's job template, not the Job object's.
    const jobSpec = structField(jobTemplate, 'spec');
    if (jobSpec) defaultJobSpecTypes(jobSpec);
  },
};

/** Defaults of types nested in a JobSpec, which apply in Jobs and CronJob job templates alike. */
function defaultJobSpecTypes(spec: JsonObject): void {
  const template = structField(spec, 'template');
  if (template) defaultPodTemplateSpec(template);
  const policy = objectField(spec, 'podFailurePolicy');
  forEachObject(policy?.rules, (rule) =>
    forEachObject(rule.onPodConditions, (pattern) => {
      if (isEmptyString(pattern.status)) pattern.status = 'True';
    }),
  );
}
