import type { RuntimeClass } from 'kubernetes-types/node/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { ageColumn, column, docColumn, nameColumn, printer } from './columns.js';
import { age, intOrString, nameOf } from './format.js';

/**
 * Scheduling and availability policy (upstream `printPodDisruptionBudget`,
 * `printPriorityClass`, `printRuntimeClass`).
 */

export const podDisruptionBudgetPrinter = printer(
  [
    nameColumn,
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn,
  ],
  (obj: PodDisruptionBudget, now) => [
    nameOf(obj),
    obj.spec?.minAvailable != null ? intOrString(obj.spec.minAvailable) : 'N/A',
    obj.spec?.maxUnavailable != null ? intOrString(obj.spec.maxUnavailable) : 'N/A',
    obj.status?.disruptionsAllowed ?? 0,
    age(obj, now),
  ],
);

export const priorityClassPrinter = printer(
  [
    nameColumn,
    docColumn('Value', 'integer', 'PriorityClass.value'),
    docColumn('Global-Default', 'boolean', 'PriorityClass.globalDefault'),
    ageColumn,
    // Upstream declares this column with priority 0 yet appends it only for wide output; the server is always wide.
    docColumn('PreemptionPolicy', 'string', 'PriorityClass.preemptionPolicy'),
  ],
  (obj: PriorityClass, now) => [
    nameOf(obj),
    obj.value ?? 0,
    obj.globalDefault ?? false,
    age(obj, now),
    obj.preemptionPolicy ?? '',
  ],
);

export const runtimeClassPrinter = printer(
  // Upstream looks the description up under ObjectMeta, which has no `handler` doc: it is empty.
  [nameColumn, column('Handler', 'string', ''), ageColumn],
  (obj: RuntimeClass, now) => [nameOf(obj), obj.handler ?? '', age(obj, now)],
);
