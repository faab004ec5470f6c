import type { Container, Lifecycle, LifecycleHandler, Probe } from 'kubernetes-types/core/v1.js';
import { list, str, validateNonnegative } from './common.js';
import type { FieldError, FieldPath } from './field-error.js';
import { isHTTPHeaderName } from './formats.js';
import { isValidPortName, isValidPortNum } from './names.js';

/**
 * Probes and lifecycle hooks: exactly one handler each, with upstream's checks
 * on the handler (ports, HTTP paths and headers, sleep durations) and on the
 * probe timings.
 */

/**
 * IntOrString ports: numbers must be in range, strings must be IANA service
 * names. An absent port is Go's zero IntOrString, the number 0.
 */
export function validatePortNumOrName(value: unknown, path: FieldPath): FieldError[] {
  const port = value ?? 0;
  if (typeof port === 'number') return isValidPortNum(port).map((m) => path.invalid(port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => path.invalid(port, m));
  return [path.internal(`unknown type: ${typeof port}`)];
}

type Handler = LifecycleHandler & { grpc?: { port?: number }; sleep?: { seconds?: number } };

/** One handler type exactly; probes may use grpc, lifecycle hooks may use sleep. */
function validateHandler(
  h: Handler,
  gracePeriod: number | undefined,
  path: FieldPath,
  lifecycle: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  // Each check reads its own handler from `h`; the table order is upstream's.
  const kinds: [keyof Handler, (p: FieldPath) => FieldError[]][] = [
    ['exec', (p) => (list(h.exec?.command).length === 0 ? [p.child('command').required()] : [])],
    [
      'httpGet',
      (p) => {
        const g = h.httpGet!;
        const e: FieldError[] = [];
        if (!str(g.path)) e.push(p.child('path').required());
        e.push(...validatePortNumOrName(g.port, p.child('port')));
        if (g.scheme !== 'HTTP' && g.scheme !== 'HTTPS')
          e.push(p.child('scheme').notSupported(str(g.scheme), ['HTTP', 'HTTPS']));
        for (const hdr of list(g.httpHeaders))
          e.push(...isHTTPHeaderName(str(hdr.name)).map((m) => p.child('httpHeaders').invalid(str(hdr.name), m)));
        return e;
      },
    ],
    ['tcpSocket', (p) => validatePortNumOrName(h.tcpSocket?.port, p.child('port'))],
    ['grpc', (p) => validatePortNumOrName(h.grpc?.port ?? 0, p.child('port'))],
    [
      'sleep',
      (p) => {
        const s = h.sleep?.seconds ?? 0;
        if (gracePeriod !== undefined && (s <= 0 || s > gracePeriod))
          return [
            p.invalid(
              s,
              `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`,
            ),
          ];
        return [];
      },
    ],
  ];
  for (const [kind, check] of kinds) {
    const v = h[kind];
    if (v === undefined || v === null || (kind === 'sleep' && !lifecycle) || (kind === 'grpc' && lifecycle)) continue;
    if (n > 0) {
      errs.push(path.child(kind).forbidden('may not specify more than 1 handler type'));
      continue;
    }
    n++;
    errs.push(...check(path.child(kind)));
  }
  if (n === 0) errs.push(path.required('must specify a handler type'));
  return errs;
}

function validateLifecycle(lc: Lifecycle, gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (lc.postStart) errs.push(...validateHandler(lc.postStart, gracePeriod, path.child('postStart'), true));
  if (lc.preStop) errs.push(...validateHandler(lc.preStop, gracePeriod, path.child('preStop'), true));
  return errs;
}

type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

function validateProbe(
  probe: Probe | undefined,
  kind: ProbeKind,
  gracePeriod: number | undefined,
  path: FieldPath,
): FieldError[] {
  if (!probe) return [];
  const errs = validateHandler(probe as Handler, gracePeriod, path, false);
  for (const f of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ] as const)
    errs.push(...validateNonnegative(probe[f], path.child(f)));
  const tgps = probe.terminationGracePeriodSeconds;
  if (typeof tgps === 'number' && tgps <= 0)
    errs.push(path.child('terminationGracePeriodSeconds').invalid(tgps, 'must be greater than 0'));
  if (kind === 'readinessProbe') {
    if (tgps !== undefined && tgps !== null)
      errs.push(path.child('terminationGracePeriodSeconds').invalid(tgps, 'must not be set for readinessProbes'));
  } else if ((probe.successThreshold ?? 0) !== 1) {
    errs.push(path.child('successThreshold').invalid(probe.successThreshold ?? 0, 'must be 1'));
  }
  return errs;
}

/** Lifecycle hooks and the three probes of one container (regular or sidecar). */
export function validateProbesAndLifecycle(
  ctr: Container,
  gracePeriod: number | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (ctr.lifecycle) errs.push(...validateLifecycle(ctr.lifecycle, gracePeriod, path.child('lifecycle')));
  for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const)
    errs.push(...validateProbe(ctr[k], k, gracePeriod, path.child(k)));
  return errs;
}
