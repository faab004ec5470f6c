/**
 * An in-memory container runtime for kubelet unit tests: sandboxes and
 * containers with CRI states and timestamps from an injected clock, images by
 * reference, and scripted behaviour — what a container does when started
 * (`onStart`), how it reacts to a stop (`onStop`), and exec results
 * (`onExec`). Every call is recorded in `calls` so tests can assert order.
 */
import type {
  AuthConfig,
  ContainerInfo,
  CriInput,
  ContainerSpec,
  ContainerState,
  ExecResult,
  Image,
  Labels,
  PodSandboxState,
  RuntimeReadiness,
  SandboxInfo,
  SandboxSpec,
  VersionResponse,
} from '../../runtime/index.js';
import { CriError, GrpcStatus, ImagePolicyError, runtimeLabels } from '../../runtime/index.js';
import type { Clock } from '../../../lib/clock.js';
import type { KubeletRuntime } from '../pleg/runtime-state.js';

interface FakeSandbox {
  id: string;
  spec: SandboxSpec & { attempt: number; logDirectory: string };
  state: PodSandboxState;
  createdAt: number;
  ip: string;
}

export interface FakeContainer extends ContainerInfo {
  spec: ContainerSpec;
}

export type ContainerBehaviour = (c: FakeContainer, rt: FakeRuntime) => void;

class NotFound extends CriError {
  constructor(details: string) {
    super('Fake', GrpcStatus.NOT_FOUND, details);
  }
}

export class FakeRuntime implements KubeletRuntime {
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Map<string, Image>();
  readonly calls: string[] = [];
  /** listContainers calls scoped by labels (a pod's inspect), as opposed to PLEG's full lists. */
  scopedContainerLists = 0;
  /** Every pull attempt (ensureImage that would pull), with the credential sent. */
  readonly pulls: { ref: string; auth?: CriInput<AuthConfig> }[] = [];
  /** Images a registry serves only to this login: pulling with it adds the image. */
  readonly registry = new Map<string, { username: string; password: string }>();
  /** Per container name: what happens right after start (default: keeps running). */
  readonly onStart = new Map<string, ContainerBehaviour>();
  /** Per container name: exit code on StopContainer (default 143, SIGTERM). */
  readonly stopExitCode = new Map<string, number>();
  /** Exec handler (default: exit 0, no output). */
  onExec: (c: FakeContainer, cmd: string[]) => ExecResult | Promise<ExecResult> = () => ({
    stdout: '',
    stderr: '',
    exitCode: 0,
  });
  /** Fails the next RunPodSandbox calls with this message. */
  failSandbox: string | undefined;
  private seq = 0;
  private nextIP = 2;

  constructor(private readonly clock: Clock) {
    this.addImage('kubets.local/busybox:1');
  }

  addImage(ref: string): void {
    this.images.set(ref, {
      id: `sha256:${ref.length.toString(16).padStart(64, '0')}`,
      repoTags: [ref],
      repoDigests: [],
      size: 1000,
      uid: null,
      username: '',
      spec: null,
      pinned: false,
    });
  }

  private id(): string {
    return (++this.seq).toString(16).padStart(64, '0');
  }

  /** Ends a running container with `code` (as if its process exited). */
  exit(id: string, code: number, reason?: string): void {
    const c = this.containers.get(id);
    if (!c || c.state !== 'CONTAINER_RUNNING') return;
    c.state = 'CONTAINER_EXITED';
    c.exitCode = code;
    c.reason = reason ?? (code === 0 ? 'Completed' : 'Error');
    c.finishedAt = this.clock.now();
  }

  byName(name: string): FakeContainer[] {
    return [...this.containers.values()]
      .filter((c) => c.name === name)
      .sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
  }

  async version(): Promise<VersionResponse> {
    return { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '1.0.0', runtimeApiVersion: 'v1' };
  }

  async readiness(): Promise<RuntimeReadiness> {
    return { runtimeReady: true, networkReady: true, problems: [] };
  }

  /** Like ContainerRuntime.ensureSandbox: `known` (the caller's list) replaces the runtime's own. */
  async ensureSandbox(
    spec: SandboxSpec,
    _opts?: unknown,
    known?: readonly { id: string; state: PodSandboxState; attempt: number; createdAt: number }[],
  ): Promise<SandboxInfo> {
    this.calls.push(`ensureSandbox ${spec.name}`);
    const mine =
      known ??
      [...this.sandboxes.values()]
        .filter((s) => s.spec.uid === spec.uid)
        .map((s) => ({ id: s.id, state: s.state, attempt: s.spec.attempt, createdAt: s.createdAt }));
    const readyId = mine.filter((s) => s.state === 'SANDBOX_READY').sort((a, b) => b.createdAt - a.createdAt)[0]?.id;
    const ready = readyId === undefined ? undefined : this.sandboxes.get(readyId);
    if (ready)
      return {
        id: ready.id,
        spec: ready.spec,
        state: ready.state,
        ip: ready.ip,
        additionalIps: [],
        createdAt: ready.createdAt,
        created: false,
      };
    if (this.failSandbox) throw new Error(this.failSandbox);
    const attempt = mine.length === 0 ? 0 : Math.max(...mine.map((s) => s.attempt)) + 1;
    const s: FakeSandbox = {
      id: this.id(),
      spec: { ...spec, attempt, logDirectory: `/logs/${spec.namespace}_${spec.name}_${spec.uid}` },
      state: 'SANDBOX_READY',
      createdAt: this.clock.now() + this.seq / 1000,
      ip: spec.hostNetwork ? '' : `10.88.0.${this.nextIP++}`,
    };
    this.sandboxes.set(s.id, s);
    this.calls.push(`runPodSandbox ${spec.name}`);
    return {
      id: s.id,
      spec: s.spec,
      state: s.state,
      ip: s.ip,
      additionalIps: [],
      createdAt: s.createdAt,
      created: true,
    };
  }

  async listSandboxes(filter: { uid?: string; state?: PodSandboxState } = {}) {
    return [...this.sandboxes.values()]
      .filter((s) => (!filter.uid || s.spec.uid === filter.uid) && (!filter.state || s.state === filter.state))
      .map((s) => ({
        id: s.id,
        name: s.spec.name,
        namespace: s.spec.namespace,
        uid: s.spec.uid,
        attempt: s.spec.attempt,
        state: s.state,
        createdAt: s.createdAt,
        labels: {},
        annotations: {},
      }));
  }

  async sandboxStatus(id: string) {
    const s = this.sandboxes.get(id);
    if (!s) throw new NotFound(`sandbox ${id} not found`);
    return { status: { network: { ip: s.ip, additionalIps: [] } } as never, ip: s.ip, netnsPath: '', pid: undefined };
  }

  async stopSandbox(id: string): Promise<void> {
    const s = this.sandboxes.get(id);
    if (!s) return;
    this.calls.push(`stopSandbox ${s.spec.name}`);
    for (const c of this.containers.values())
      if (c.sandboxId === id && c.state === 'CONTAINER_RUNNING') this.exit(c.id, 137);
    s.state = 'SANDBOX_NOTREADY';
  }

  async removeSandbox(id: string): Promise<void> {
    const s = this.sandboxes.get(id);
    if (!s) return;
    this.calls.push(`removeSandbox ${s.spec.name}`);
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) this.containers.delete(c.id);
    this.sandboxes.delete(id);
  }

  async createContainer(sandbox: Pick<SandboxInfo, 'id' | 'spec'>, spec: ContainerSpec): Promise<string> {
    const s = this.sandboxes.get(sandbox.id);
    if (!s) throw new NotFound(`sandbox ${sandbox.id} not found`);
    const id = this.id();
    const labels: Labels = {
      ...spec.labels,
      [runtimeLabels.podName]: s.spec.name,
      [runtimeLabels.podNamespace]: s.spec.namespace,
      [runtimeLabels.podUid]: s.spec.uid,
      [runtimeLabels.containerName]: spec.name,
    };
    this.containers.set(id, {
      id,
      sandboxId: sandbox.id,
      name: spec.name,
      attempt: spec.attempt ?? 0,
      state: 'CONTAINER_CREATED',
      image: spec.image,
      imageRef: this.images.get(spec.image)?.id ?? '',
      createdAt: this.clock.now() + this.seq / 1000,
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      reason: '',
      message: '',
      logPath: `${s.spec.logDirectory}/${spec.name}/${spec.attempt ?? 0}.log`,
      labels,
      annotations: spec.annotations ?? {},
      spec,
    });
    this.calls.push(`createContainer ${spec.name}#${spec.attempt ?? 0}`);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) throw new NotFound(`container ${id} not found`);
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = this.clock.now();
    this.calls.push(`startContainer ${c.name}#${c.attempt}`);
    this.onStart.get(c.name)?.(c, this);
  }

  async stopContainer(id: string, graceSeconds = 30): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.calls.push(`stopContainer ${c.name} ${graceSeconds}`);
    if (c.state === 'CONTAINER_RUNNING') this.exit(id, this.stopExitCode.get(c.name) ?? 143);
    else if (c.state === 'CONTAINER_CREATED') c.state = 'CONTAINER_EXITED';
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.calls.push(`removeContainer ${c.name}#${c.attempt}`);
    this.containers.delete(id);
  }

  async listContainers(filter: { sandboxId?: string; state?: ContainerState; labels?: Labels } = {}) {
    if (filter.labels && Object.keys(filter.labels).length > 0) this.scopedContainerLists++;
    return [...this.containers.values()]
      .filter((c) => !filter.sandboxId || c.sandboxId === filter.sandboxId)
      .filter((c) => !filter.state || c.state === filter.state)
      .filter((c) => Object.entries(filter.labels ?? {}).every(([k, v]) => c.labels[k] === v))
      .map((c) => ({
        id: c.id,
        sandboxId: c.sandboxId,
        name: c.name,
        attempt: c.attempt,
        state: c.state,
        image: c.image,
        imageRef: c.imageRef,
        createdAt: c.createdAt,
        labels: c.labels,
        annotations: c.annotations,
      }));
  }

  async containerStatus(id: string): Promise<ContainerInfo> {
    const c = this.containers.get(id);
    if (!c) throw new NotFound(`container ${id} not found`);
    const { spec: _spec, ...info } = c;
    return { ...info, sandboxId: '' };
  }

  async execSync(id: string, cmd: string[]): Promise<ExecResult> {
    const c = this.containers.get(id);
    if (!c) throw new NotFound(`container ${id} not found`);
    this.calls.push(`exec ${c.name} ${cmd.join(' ')}`);
    return this.onExec(c, cmd);
  }

  async listImages(): Promise<Image[]> {
    return [...this.images.values()];
  }

  async imageStatus(ref: string): Promise<Image | null> {
    return this.images.get(ref) ?? null;
  }

  async ensureImage(ref: string, policy: 'Always' | 'IfNotPresent' | 'Never', auth?: CriInput<AuthConfig>) {
    const img = this.images.get(ref);
    if (img && policy !== 'Always') return { imageRef: img.id, pulled: false };
    if (policy !== 'Never') this.pulls.push({ ref, auth });
    const login = this.registry.get(ref);
    if (login && policy !== 'Never') {
      if (auth?.username !== login.username || auth?.password !== login.password) {
        throw new ImagePolicyError('ErrImagePull', `Failed to pull image "${ref}": unauthorized`);
      }
      this.addImage(ref);
      return { imageRef: this.images.get(ref)!.id, pulled: true };
    }
    if (policy === 'Never') {
      throw new ImagePolicyError(
        'ErrImageNeverPull',
        `Container image "${ref}" is not present with pull policy of Never`,
      );
    }
    if (img) return { imageRef: img.id, pulled: true };
    throw new ImagePolicyError('ErrImagePull', `Failed to pull image "${ref}": not found`);
  }
}
