/**
 * A typed client for the CRI v1 RuntimeService and ImageService over a unix
 * socket. Every call has a deadline (the kubelet's runtime-request-timeout
 * default, 2 minutes, unless overridden per call) and may be cancelled with an
 * AbortSignal; failures are CriErrors (errors.ts). The client is disposable:
 * `close()` releases the channel. It connects lazily, so constructing it against
 * a runtime that is not up yet is fine — calls fail fast with
 * RuntimeUnavailableError until the runtime listens.
 */
import * as grpc from '@grpc/grpc-js';
import { isAbsolute, resolve } from 'node:path';
import { track, untrack, type Disposable } from '../../../lib/disposable.js';
import { criServiceConstructors } from './definitions.js';
import { CriError, CriTimeoutError, RuntimeUnavailableError } from './errors.js';
import type {
  ContainerConfig,
  Container,
  ContainerFilter,
  ContainerStatusResponse,
  CriInput,
  ExecSyncResponse,
  LinuxContainerResources,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatusResponse,
  StatusResponse,
  VersionResponse,
} from './types.js';
import type {
  AuthConfig,
  ContainerStats,
  ContainerStatsFilter,
  Image,
  ImageFsInfoResponse,
  ImageStatusResponse,
  PodSandboxStats,
  PodSandboxStatsFilter,
} from './image-stats-types.js';

/** The CRI API version the kubelet sends in VersionRequest. */
export const criApiVersion = 'v1';
/** The kubelet's default `--runtime-request-timeout`. */
export const defaultCriTimeoutMs = 2 * 60 * 1000;
/** The kubelet's CRI message size limit (16 MiB). */
export const maxCriMessageBytes = 16 * 1024 * 1024;

export interface CriClientOptions {
  /** `unix:///run/containerd/containerd.sock`, `unix:/path` or a plain socket path. */
  endpoint: string;
  /** Default deadline for calls; default 2 minutes. */
  timeoutMs?: number;
  /** Named in "not running" errors; default `containerd`. */
  runtimeName?: string;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

type Service = 'runtime' | 'image';
type UnaryMethod = (
  req: object,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: unknown) => void,
) => grpc.ClientUnaryCall;

/** The socket path an endpoint names (`unix://` and `unix:` prefixes stripped, made absolute). */
export function socketPathOf(endpoint: string): string {
  const path = endpoint.replace(/^unix:(\/\/)?/, '');
  if (path === '') throw new Error(`invalid CRI endpoint ${JSON.stringify(endpoint)}`);
  return isAbsolute(path) ? path : resolve(path);
}

export class CriClient implements Disposable {
  readonly socketPath: string;
  private readonly runtime: grpc.Client;
  private readonly image: grpc.Client;
  private readonly timeoutMs: number;
  private readonly runtimeName: string;
  private closed = false;

  constructor(opts: CriClientOptions) {
    this.socketPath = socketPathOf(opts.endpoint);
    this.timeoutMs = opts.timeoutMs ?? defaultCriTimeoutMs;
    this.runtimeName = opts.runtimeName ?? 'containerd';
    const ctors = criServiceConstructors();
    const channelOptions: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': maxCriMessageBytes,
      'grpc.max_send_message_length': maxCriMessageBytes,
      // Retry connecting quickly: a restarted containerd should be reachable within a second.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    };
    const target = `unix:${this.socketPath}`;
    this.runtime = new ctors.RuntimeService(target, grpc.credentials.createInsecure(), channelOptions);
    // Same target and options: grpc-js shares the underlying connection between the two.
    this.image = new ctors.ImageService(target, grpc.credentials.createInsecure(), channelOptions);
    track(this, `CriClient(${this.socketPath})`);
  }

  /** Sends one unary request. Public for RPCs without a typed wrapper; prefer the methods below. */
  call<Res>(service: Service, method: string, req: object, opts: CallOptions = {}): Promise<Res> {
    if (this.closed) return Promise.reject(new Error(`CRI client for ${this.socketPath} is closed`));
    const client = service === 'runtime' ? this.runtime : this.image;
    const fn = (client as unknown as Record<string, UnaryMethod | undefined>)[method];
    if (typeof fn !== 'function') return Promise.reject(new Error(`unknown CRI ${service} method ${method}`));
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    return new Promise<Res>((resolvePromise, reject) => {
      const signal = opts.signal;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => call.cancel();
      const call = fn.call(
        client,
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err: grpc.ServiceError | null, res?: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) {
            if (signal?.aborted) reject(signal.reason);
            else reject(this.toError(method, err, timeoutMs));
          } else resolvePromise(res as Res);
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private toError(method: string, err: grpc.ServiceError, timeoutMs: number): CriError {
    const details = err.details || err.message;
    if (err.code === grpc.status.UNAVAILABLE) {
      return new RuntimeUnavailableError(method, details, this.socketPath, this.runtimeName);
    }
    if (err.code === grpc.status.DEADLINE_EXCEEDED) {
      return new CriTimeoutError(method, details, timeoutMs, this.socketPath);
    }
    return new CriError(method, err.code, details);
  }

  // RuntimeService

  version(opts?: CallOptions): Promise<VersionResponse> {
    return this.call('runtime', 'Version', { version: criApiVersion }, opts);
  }

  status(verbose = false, opts?: CallOptions): Promise<StatusResponse> {
    return this.call('runtime', 'Status', { verbose }, opts);
  }

  async updateRuntimeConfig(podCidr: string, opts?: CallOptions): Promise<void> {
    await this.call('runtime', 'UpdateRuntimeConfig', { runtimeConfig: { networkConfig: { podCidr } } }, opts);
  }

  async runPodSandbox(config: CriInput<PodSandboxConfig>, runtimeHandler = '', opts?: CallOptions): Promise<string> {
    const res = await this.call<{ podSandboxId: string }>('runtime', 'RunPodSandbox', { config, runtimeHandler }, opts);
    return res.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.call('runtime', 'StopPodSandbox', { podSandboxId }, opts);
  }

  async removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.call('runtime', 'RemovePodSandbox', { podSandboxId }, opts);
  }

  podSandboxStatus(podSandboxId: string, verbose = false, opts?: CallOptions): Promise<PodSandboxStatusResponse> {
    return this.call('runtime', 'PodSandboxStatus', { podSandboxId, verbose }, opts);
  }

  async listPodSandbox(filter?: CriInput<PodSandboxFilter>, opts?: CallOptions): Promise<PodSandbox[]> {
    const res = await this.call<{ items: PodSandbox[] }>('runtime', 'ListPodSandbox', { filter }, opts);
    return res.items;
  }

  async createContainer(
    podSandboxId: string,
    config: CriInput<ContainerConfig>,
    sandboxConfig: CriInput<PodSandboxConfig>,
    opts?: CallOptions,
  ): Promise<string> {
    const req = { podSandboxId, config, sandboxConfig };
    const res = await this.call<{ containerId: string }>('runtime', 'CreateContainer', req, opts);
    return res.containerId;
  }

  async startContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call('runtime', 'StartContainer', { containerId }, opts);
  }

  /** Stops with a grace period in seconds (0 kills at once); the deadline is extended by the grace period. */
  async stopContainer(containerId: string, timeoutSeconds: number, opts: CallOptions = {}): Promise<void> {
    const timeoutMs = (opts.timeoutMs ?? this.timeoutMs) + timeoutSeconds * 1000;
    await this.call('runtime', 'StopContainer', { containerId, timeout: timeoutSeconds }, { ...opts, timeoutMs });
  }

  async removeContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call('runtime', 'RemoveContainer', { containerId }, opts);
  }

  async listContainers(filter?: CriInput<ContainerFilter>, opts?: CallOptions): Promise<Container[]> {
    const res = await this.call<{ containers: Container[] }>('runtime', 'ListContainers', { filter }, opts);
    return res.containers;
  }

  containerStatus(containerId: string, verbose = false, opts?: CallOptions): Promise<ContainerStatusResponse> {
    return this.call('runtime', 'ContainerStatus', { containerId, verbose }, opts);
  }

  async updateContainerResources(
    containerId: string,
    linux: CriInput<LinuxContainerResources>,
    opts?: CallOptions,
  ): Promise<void> {
    await this.call('runtime', 'UpdateContainerResources', { containerId, linux }, opts);
  }

  async reopenContainerLog(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call('runtime', 'ReopenContainerLog', { containerId }, opts);
  }

  /** Runs `cmd` and waits; `timeoutSeconds` 0 means no limit in the runtime (the call deadline still applies). */
  execSync(containerId: string, cmd: string[], timeoutSeconds = 0, opts: CallOptions = {}): Promise<ExecSyncResponse> {
    const timeoutMs = (opts.timeoutMs ?? this.timeoutMs) + timeoutSeconds * 1000;
    return this.call('runtime', 'ExecSync', { containerId, cmd, timeout: timeoutSeconds }, { ...opts, timeoutMs });
  }

  /** Returns the runtime's streaming-server URL for an exec session. */
  async exec(
    req: { containerId: string; cmd: string[]; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean },
    opts?: CallOptions,
  ): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'Exec', req, opts)).url;
  }

  async attach(
    req: { containerId: string; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean },
    opts?: CallOptions,
  ): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'Attach', req, opts)).url;
  }

  async portForward(podSandboxId: string, ports: number[], opts?: CallOptions): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'PortForward', { podSandboxId, port: ports }, opts)).url;
  }

  async containerStats(containerId: string, opts?: CallOptions): Promise<ContainerStats | null> {
    return (await this.call<{ stats: ContainerStats | null }>('runtime', 'ContainerStats', { containerId }, opts))
      .stats;
  }

  async listContainerStats(filter?: CriInput<ContainerStatsFilter>, opts?: CallOptions): Promise<ContainerStats[]> {
    return (await this.call<{ stats: ContainerStats[] }>('runtime', 'ListContainerStats', { filter }, opts)).stats;
  }

  async podSandboxStats(podSandboxId: string, opts?: CallOptions): Promise<PodSandboxStats | null> {
    return (await this.call<{ stats: PodSandboxStats | null }>('runtime', 'PodSandboxStats', { podSandboxId }, opts))
      .stats;
  }

  async listPodSandboxStats(filter?: CriInput<PodSandboxStatsFilter>, opts?: CallOptions): Promise<PodSandboxStats[]> {
    return (await this.call<{ stats: PodSandboxStats[] }>('runtime', 'ListPodSandboxStats', { filter }, opts)).stats;
  }

  // ImageService

  /** Lists images, optionally only those matching `image` (a reference or ID). */
  async listImages(image?: string, opts?: CallOptions): Promise<Image[]> {
    const filter = image === undefined ? undefined : { image: { image } };
    return (await this.call<{ images: Image[] }>('image', 'ListImages', { filter }, opts)).images;
  }

  /** The image, or `image: null` when the runtime does not have it. */
  imageStatus(image: string, verbose = false, opts?: CallOptions): Promise<ImageStatusResponse> {
    return this.call('image', 'ImageStatus', { image: { image }, verbose }, opts);
  }

  /** Pulls `image` and returns the image reference (ID) the runtime resolved it to. */
  async pullImage(
    image: string,
    auth?: CriInput<AuthConfig>,
    sandboxConfig?: CriInput<PodSandboxConfig>,
    opts?: CallOptions,
  ): Promise<string> {
    const req = { image: { image, userSpecifiedImage: image }, auth, sandboxConfig };
    return (await this.call<{ imageRef: string }>('image', 'PullImage', req, opts)).imageRef;
  }

  async removeImage(image: string, opts?: CallOptions): Promise<void> {
    await this.call('image', 'RemoveImage', { image: { image } }, opts);
  }

  imageFsInfo(opts?: CallOptions): Promise<ImageFsInfoResponse> {
    return this.call('image', 'ImageFsInfo', {}, opts);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.image.close();
    this.runtime.close();
    untrack(this);
  }

  dispose(): void {
    this.close();
  }
}
