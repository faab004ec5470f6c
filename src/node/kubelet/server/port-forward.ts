/**
 * Port-forward targets through the container runtime, as upstream: CRI
 * `PortForward` returns a URL on the runtime's streaming server, which dials
 * the port inside the sandbox's network namespace (containerd enters the
 * netns and connects to localhost there; host-network pods use the node's).
 * So a process listening only on 127.0.0.1 in the pod is reachable, and a pod
 * needs no IP routable from the node.
 *
 * Each forwarded connection is one SPDY session to that URL speaking the
 * port-forward protocol (an `error` and a `data` stream with the same
 * requestID). The upstream kubelet proxies the client's whole session
 * instead; bridging per connection lets the kubelet keep serving WebSocket
 * clients that the runtime's server does not understand, like exec does.
 */
import { Duplex } from 'node:stream';
import type { ContainerRuntime } from '../../runtime/index.js';
import { connectSpdy, PORT_FORWARD_PROTOCOL, type PortConnector, type SpdyStream } from '../streaming/index.js';

/** How long the runtime's error text may lag behind the end of its data stream. */
const errorGraceMs = 2000;

/** What the runtime wrote on the error stream; resolves at its end (or when the session goes). */
function collectText(s: SpdyStream): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    s.once('end', done);
    s.once('close', done);
  });
}

/**
 * The runtime's message without the streaming library's own prefix
 * ("error forwarding port N to pod <sandbox>, uid : "), which the kubelet's
 * forwarder adds again with the pod's name.
 */
export function runtimeForwardError(text: string): string {
  return text.replace(/^error forwarding port \d+ to pod [^,]*, uid [^:]*: /, '');
}

/**
 * One forwarded connection as a Duplex: bytes go to and come from the
 * runtime's data stream; a message on the error stream destroys it with that
 * error (the forwarder reports it to the client); destroying it ends the session.
 */
class RuntimeConnection extends Duplex {
  constructor(
    private readonly data: SpdyStream,
    errorText: Promise<string>,
    private readonly close: () => void,
  ) {
    super({ allowHalfOpen: true });
    data.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) data.pause();
    });
    let ended = false;
    const onEnd = async () => {
      if (ended) return;
      ended = true;
      let timer: NodeJS.Timeout | undefined;
      const text = await Promise.race([
        errorText,
        new Promise<string>((r) => (timer = setTimeout(() => r(''), errorGraceMs))),
      ]);
      clearTimeout(timer);
      if (text) this.destroy(new Error(runtimeForwardError(text)));
      else this.push(null);
    };
    data.once('end', () => void onEnd());
    data.once('close', () => void onEnd());
    // The runtime's error can come while the data stream stays open (nothing was ever connected).
    void errorText.then((text) => {
      if (text && !this.destroyed) this.destroy(new Error(runtimeForwardError(text)));
    });
  }

  override _read(): void {
    this.data.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.data.destroyed) return cb(new Error('port-forward stream closed'));
    if (this.data.write(chunk)) cb();
    else this.data.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.data.destroyed && !this.data.writableEnded) this.data.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.close();
    cb(err);
  }
}

/**
 * A PortConnector for one pod: `sandboxIdOf` names its ready sandbox (undefined
 * when it has none, which fails the connection).
 */
export function criPortConnector(
  runtime: Pick<ContainerRuntime, 'cri'>,
  sandboxIdOf: () => string | undefined,
): PortConnector {
  return async (port, signal) => {
    const sandboxId = sandboxIdOf();
    if (!sandboxId) throw new Error('the pod has no running sandbox');
    const url = await runtime.cri.portForward(sandboxId, [port], { signal });
    const { session } = await connectSpdy(url, { protocols: [PORT_FORWARD_PROTOCOL], signal });
    const stop = () => session.destroy();
    signal.addEventListener('abort', stop, { once: true });
    const close = () => {
      signal.removeEventListener('abort', stop);
      session.destroy();
    };
    try {
      const headers = { port: String(port), requestID: '0' };
      const error = await session.openStream({ ...headers, streamType: 'error' });
      // Nothing is sent on the error stream: half-close it, as kubectl does.
      error.end();
      const errorText = collectText(error);
      const data = await session.openStream({ ...headers, streamType: 'data' });
      return new RuntimeConnection(data, errorText, close);
    } catch (err) {
      close();
      throw err;
    }
  };
}
