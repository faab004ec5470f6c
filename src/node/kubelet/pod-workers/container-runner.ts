/**
 * Starting one container of a pod (kuberuntime_container.go startContainer):
 * make the image present under its pull policy, build the environment,
 * command and mounts, check runAsNonRoot, create and start it through CRI, and
 * run its postStart hook. Each failure is a StartError carrying the waiting
 * reason the pod status shows (ErrImagePull, ImagePullBackOff,
 * CreateContainerConfigError, CreateContainerError, RunContainerError,
 * PostStartHookError) and an event like the kubelet's.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { Container, EphemeralContainer, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerSpec, MountSpec, SandboxInfo } from '../../runtime/index.js';
import { ImagePolicyError } from '../../runtime/index.js';
import { ContainerConfigError, makeEnvironment } from '../container-config/env.js';
import { expandVars, lookupIn } from '../container-config/expand.js';
import { containerResources } from '../container-config/resources.js';
import { containerSecurity, verifyRunAsNonRoot } from '../container-config/security-context.js';
import { containerAnnotations, type ContainerKind } from '../pleg/runtime-state.js';
import type { PreparedVolume } from '../volumes/types.js';
import type { KubeletContext } from './context.js';
import {
  failedPullSecretMessage,
  failedPullSecretReason,
  keyringFromSecrets,
  podPullSecrets,
  type RegistryAuth,
} from '../images/pull-secrets.js';
import { runLifecycleHook } from './lifecycle-hooks.js';

export class StartError extends Error {
  override name = 'StartError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StartRequest {
  pod: Pod;
  container: Container;
  kind: ContainerKind;
  attempt: number;
  sandbox: Pick<SandboxInfo, 'id' | 'spec'>;
  podIPs: string[];
  volumes: Map<string, PreparedVolume>;
  /** Host path of the pod's managed /etc/hosts, when it has one. */
  hostsFile?: string;
  /**
   * An ephemeral container's targetContainerName resolved to that container's
   * ID ('' when it has none): the PID namespace it joins.
   */
  targetContainerId?: string;
  signal?: AbortSignal;
}

/** `spec.containers{name}`: the event field path of a container. */
export function containerFieldPath(kind: ContainerKind, name: string): string {
  const list = kind === 'app' ? 'containers' : kind === 'ephemeral' ? 'ephemeralContainers' : 'initContainers';
  return `spec.${list}{${name}}`;
}

function pullPolicy(c: Container): 'Always' | 'IfNotPresent' | 'Never' {
  if (c.imagePullPolicy === 'Always' || c.imagePullPolicy === 'Never' || c.imagePullPolicy === 'IfNotPresent') {
    return c.imagePullPolicy;
  }
  const ref = c.image ?? '';
  const tagless = !/:[^/]+$/.test(ref) && !ref.includes('@');
  return tagless || ref.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

export class ContainerRunner {
  constructor(private readonly ctx: KubeletContext) {}

  private event(r: StartRequest, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.events.pod(r.pod, type, reason, message, containerFieldPath(r.kind, r.container.name));
  }

  /** Makes the image present; returns what it runs as. */
  private async ensureImage(r: StartRequest): Promise<{ uid?: number; user: string }> {
    const { ctx } = this;
    const image = r.container.image ?? '';
    const policy = pullPolicy(r.container);
    const opts = { signal: r.signal };
    let present = policy === 'Always' ? null : await ctx.runtime.imageStatus(image, opts);
    if (present) {
      this.event(r, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    } else {
      const key = `${r.pod.metadata!.uid}_${image}`;
      const now = ctx.clock.now();
      if (policy !== 'Never' && ctx.imageBackoff.inBackoffSinceUpdate(key, now)) {
        const msg = `Back-off pulling image "${image}"`;
        this.event(r, 'Normal', 'BackOff', msg);
        throw new StartError('ImagePullBackOff', msg);
      }
      if (policy !== 'Never') this.event(r, 'Normal', 'Pulling', `Pulling image "${image}"`);
      const started = ctx.clock.monotonic();
      try {
        await this.pull(r, image, policy);
      } catch (err) {
        if (!(err instanceof ImagePolicyError)) throw err;
        if (err.reason === 'ErrImagePull') ctx.imageBackoff.next(key, now, now);
        this.event(r, 'Warning', err.reason === 'ErrImageNeverPull' ? 'ErrImageNeverPull' : 'Failed', err.message);
        this.event(r, 'Warning', 'Failed', `Error: ${err.reason}`);
        throw new StartError(err.reason, err.message);
      }
      present = await ctx.runtime.imageStatus(image, opts);
      const secs = ((ctx.clock.monotonic() - started) / 1000).toFixed(3).replace(/\.?0+$/, '');
      this.event(
        r,
        'Normal',
        'Pulled',
        `Successfully pulled image "${image}" in ${secs}s (${secs}s including waiting). Image size: ${present?.size ?? 0} bytes.`,
      );
    }
    return { uid: present?.uid ? Number(present.uid.value) : undefined, user: present?.username ?? '' };
  }

  /**
   * Pulls with the pod's imagePullSecrets (kuberuntime_image.go PullImage):
   * without matching credentials once, anonymously; otherwise with each
   * matching credential in turn until one succeeds. Missing secrets are
   * reported with a warning event and the pull goes on without them.
   */
  private async pull(r: StartRequest, image: string, policy: 'Always' | 'IfNotPresent' | 'Never'): Promise<void> {
    const { ctx } = this;
    const opts = { signal: r.signal };
    const { secrets, missing } = await podPullSecrets(
      r.pod.metadata?.namespace ?? '',
      r.pod.spec?.imagePullSecrets,
      (ns, name) => ctx.objects.secret(ns, name),
    );
    if (missing.length > 0) ctx.events.pod(r.pod, 'Warning', failedPullSecretReason, failedPullSecretMessage(missing));
    let creds: RegistryAuth[];
    try {
      creds = keyringFromSecrets(secrets).lookup(image);
    } catch (err) {
      throw new ImagePolicyError('ErrImagePull', `Failed to pull image "${image}": ${(err as Error).message}`);
    }
    if (creds.length === 0) {
      await ctx.runtime.ensureImage(image, policy, undefined, opts);
      return;
    }
    const prefix = `Failed to pull image "${image}": `;
    const errors: string[] = [];
    for (const auth of creds) {
      try {
        await ctx.runtime.ensureImage(image, policy, auth, opts);
        return;
      } catch (err) {
        if (!(err instanceof ImagePolicyError) || err.reason !== 'ErrImagePull') throw err;
        errors.push(err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message);
      }
    }
    // utilerrors.NewAggregate: one error as it is, several as a bracketed list.
    const detail = errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
    throw new ImagePolicyError('ErrImagePull', prefix + detail);
  }

  private mounts(r: StartRequest, env: Map<string, string>): MountSpec[] {
    const out: MountSpec[] = [];
    const c = r.container;
    for (const m of c.volumeMounts ?? []) {
      const v = r.volumes.get(m.name);
      if (!v) throw new ContainerConfigError(`cannot find volume "${m.name}" to mount into container "${c.name}"`);
      let hostPath = v.hostPath;
      const sub = m.subPathExpr ? expandVars(m.subPathExpr, lookupIn(env)) : m.subPath;
      if (sub) {
        const rel = normalize(sub);
        if (rel.startsWith('..') || rel.startsWith('/')) {
          throw new ContainerConfigError(`subPath ${JSON.stringify(sub)} must not escape the volume`);
        }
        hostPath = join(v.hostPath, rel);
        if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true, mode: 0o750 });
      }
      out.push({
        containerPath: m.mountPath,
        hostPath,
        readOnly: !!m.readOnly || v.readOnly,
        propagation:
          m.mountPropagation === 'Bidirectional' || m.mountPropagation === 'HostToContainer'
            ? m.mountPropagation
            : 'None',
      });
    }
    if (r.hostsFile && !out.some((m) => m.containerPath === '/etc/hosts')) {
      out.push({ containerPath: '/etc/hosts', hostPath: r.hostsFile });
    }
    return out;
  }

  /** Creates the empty termination-message file the container writes into (mode 0666). */
  private terminationLog(r: StartRequest): string | undefined {
    if (!r.container.terminationMessagePath && r.kind === 'ephemeral') return undefined;
    const dir = join(this.ctx.podsDir, r.pod.metadata!.uid!, 'containers', r.container.name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, randomBytes(4).toString('hex'));
    closeSync(openSync(file, 'w'));
    chmodSync(file, 0o666);
    return file;
  }

  /** Starts the container; returns its ID. Throws StartError. */
  async start(r: StartRequest): Promise<string> {
    const { ctx } = this;
    const c = r.container;
    const image = await this.ensureImage(r);
    let spec: ContainerSpec;
    try {
      const target = r.kind === 'ephemeral' ? (c as EphemeralContainer).targetContainerName : undefined;
      // kuberuntime_container.go getTargetID: the target must have a status to take the namespace from.
      if (target && !r.targetContainerId) throw new ContainerConfigError(`unable to find target container ${target}`);
      const env = await makeEnvironment({
        pod: r.pod,
        container: c,
        podIPs: r.podIPs,
        hostIPs: ctx.nodeIPs,
        allocatable: ctx.allocatable(),
        services: ctx.services(),
        objects: ctx.objects,
        warn: (reason, message) => ctx.events.pod(r.pod, 'Warning', reason, message),
      });
      const denied = verifyRunAsNonRoot(r.pod, c, image.uid, image.user);
      if (denied) throw new ContainerConfigError(denied);
      const envMap = new Map(env.map((e) => [e.name, e.value]));
      const lookup = lookupIn(envMap);
      const mounts = this.mounts(r, envMap);
      const termPath = c.terminationMessagePath || '/dev/termination-log';
      const termFile = this.terminationLog(r);
      if (termFile) mounts.push({ containerPath: termPath, hostPath: termFile });
      const annotations: Record<string, string> = {
        [containerAnnotations.restartCount]: String(r.attempt),
        [containerAnnotations.terminationMessagePath]: termPath,
        [containerAnnotations.terminationMessagePolicy]: c.terminationMessagePolicy ?? 'File',
        [containerAnnotations.podTerminationGracePeriod]: String(r.pod.spec?.terminationGracePeriodSeconds ?? 30),
        [containerAnnotations.specImage]: c.image ?? '',
        [containerAnnotations.kind]: r.kind,
      };
      if (termFile) annotations[containerAnnotations.terminationLogFile] = termFile;
      if (c.lifecycle?.preStop) annotations[containerAnnotations.preStopHandler] = JSON.stringify(c.lifecycle.preStop);
      spec = {
        name: c.name,
        attempt: r.attempt,
        image: c.image ?? '',
        command: c.command?.map((s) => expandVars(s, lookup)),
        args: c.args?.map((s) => expandVars(s, lookup)),
        env,
        mounts,
        workingDir: c.workingDir,
        resources: containerResources(r.pod, c, ctx.memoryCapacityBytes()),
        securityContext: containerSecurity(r.pod, c, image.uid, image.user),
        tty: c.tty,
        stdin: c.stdin,
        stdinOnce: c.stdinOnce,
        annotations,
        pidNamespaceTarget: target ? r.targetContainerId : undefined,
      };
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      this.event(r, 'Warning', 'Failed', `Error: ${err.message}`);
      throw new StartError('CreateContainerConfigError', err.message);
    }
    let id: string;
    try {
      id = await ctx.runtime.createContainer(r.sandbox, spec, { signal: r.signal });
    } catch (err) {
      const msg = (err as Error).message;
      this.event(r, 'Warning', 'Failed', `Error: ${msg}`);
      throw new StartError('CreateContainerError', msg);
    }
    this.event(r, 'Normal', 'Created', `Created container: ${c.name}`);
    try {
      await ctx.runtime.startContainer(id, { signal: r.signal });
    } catch (err) {
      const msg = (err as Error).message;
      this.event(r, 'Warning', 'Failed', `Error: ${msg}`);
      throw new StartError('RunContainerError', msg);
    }
    this.event(r, 'Normal', 'Started', `Started container ${c.name}`);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      try {
        await runLifecycleHook(postStart, {
          runtime: ctx.runtime,
          clock: ctx.clock,
          pod: r.pod,
          container: c,
          containerId: id,
          podIP: r.podIPs[0] ?? ctx.nodeIPs[0] ?? '',
          timeoutMs: 0,
          signal: r.signal,
        });
      } catch (err) {
        this.event(r, 'Warning', 'FailedPostStartHook', 'PostStartHook failed');
        const grace = Math.max(2, r.pod.spec?.terminationGracePeriodSeconds ?? 30);
        this.event(r, 'Normal', 'Killing', 'FailedPostStartHook');
        await ctx.runtime.stopContainer(id, grace).catch(() => undefined);
        throw new StartError('PostStartHookError', (err as Error).message);
      }
    }
    return id;
  }
}
