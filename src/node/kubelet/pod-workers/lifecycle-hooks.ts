/**
 * postStart / preStop handlers (pkg/kubelet/lifecycle/handlers.go): exec in the
 * container, HTTP GET (a transport error fails it), or sleep. Errors carry the
 * kubelet's messages, which become the PostStartHookError waiting message.
 */
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../../lib/clock.js';
import type { KubeletRuntime } from '../pleg/runtime-state.js';
import { execAction, httpGetAction } from '../prober/probe-runner.js';
import { formatPod } from '../container-config/security-context.js';

export interface HookTarget {
  runtime: Pick<KubeletRuntime, 'execSync'>;
  clock: Clock;
  pod: Pod;
  container: Container;
  containerId: string;
  podIP: string;
  /** Upper bound on the hook (the grace period for preStop); 0 = none. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs the handler; rejects with the kubelet's failure message. */
export async function runLifecycleHook(h: LifecycleHandler, t: HookTarget): Promise<void> {
  const who = `Container "${t.container.name}" in Pod "${formatPod(t.pod)}"`;
  const target = {
    runtime: t.runtime,
    containerId: t.containerId,
    container: t.container,
    podIP: t.podIP,
    timeoutMs: t.timeoutMs > 0 ? t.timeoutMs : 24 * 3600_000,
    signal: t.signal,
  };
  if (h.exec) {
    const cmd = h.exec.command ?? [];
    let out;
    try {
      out = await execAction(cmd, target);
    } catch (err) {
      throw new Error(
        `Exec lifecycle hook (${JSON.stringify(cmd)}) for ${who} failed - error: ${(err as Error).message}, message: ""`,
      );
    }
    if (out.result !== 'success') {
      throw new Error(
        `Exec lifecycle hook (${JSON.stringify(cmd)}) for ${who} failed - error: command '${cmd.join(' ')}' exited with non-zero status, message: ${JSON.stringify(out.output)}`,
      );
    }
    return;
  }
  if (h.httpGet) {
    const out = await httpGetAction(h.httpGet, target);
    if (out.result !== 'success' && out.output.startsWith('Get ')) {
      throw new Error(`HTTP lifecycle hook (${h.httpGet.path ?? ''}) for ${who} failed - error: ${out.output}`);
    }
    return;
  }
  if (h.sleep) {
    const ms = h.sleep.seconds * 1000;
    await t.clock.sleep(t.timeoutMs > 0 ? Math.min(ms, t.timeoutMs) : ms, t.signal).catch(() => undefined);
    return;
  }
  throw new Error(`invalid lifecycle handler for ${who}: no action`);
}
