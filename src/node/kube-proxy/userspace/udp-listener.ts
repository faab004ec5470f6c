import { createSocket, type Socket } from 'node:dgram';
import type { Clock, Timer } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { EndpointPicker } from './tcp-listener.js';

interface Session {
  socket: Socket;
  endpoint: string;
  lastActive: number;
}

/** Client sessions per UDP listener at most; datagrams from further new clients are dropped. */
const maxSessions = 4096;

/**
 * A UDP listener: each client address:port gets its own socket connected to
 * the chosen endpoint, so replies find their way back; sessions idle longer
 * than `idleMs` are closed. Like TCP, the socket exists only while the port
 * has endpoints (without one the kernel answers ICMP port unreachable).
 */
export class UdpListener {
  private socket: Socket | undefined;
  private readonly sessions = new Map<string, Session>();
  private sweeper: Timer | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly picker: EndpointPicker,
    private readonly clock: Clock,
    private readonly idleMs: number,
    private readonly log: Logger,
  ) {}

  get listening(): boolean {
    return this.socket !== undefined;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  listen(): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: false });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind({ address: this.host, port: this.port, exclusive: true }, () => {
        socket.off('error', onError);
        socket.on('error', (err) => this.log.warn('udp listener error', { host: this.host, port: this.port, err }));
        socket.on('message', (msg, rinfo) => this.forward(msg, rinfo.address, rinfo.port));
        this.socket = socket;
        this.sweeper = this.clock.setInterval(() => this.sweep(), Math.max(100, this.idleMs / 2));
        resolve();
      });
    });
  }

  /** Stops listening and drops every session (UDP has no connection to let finish). */
  async close(): Promise<void> {
    this.sweeper?.cancel();
    this.sweeper = undefined;
    for (const s of this.sessions.values()) s.socket.close();
    this.sessions.clear();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  destroy(): Promise<void> {
    return this.close();
  }

  /** Ends sessions bound to endpoints that are gone (the userspace analogue of conntrack cleanup). */
  dropSessionsNotIn(live: ReadonlySet<string>): void {
    for (const [key, s] of this.sessions) {
      if (live.has(s.endpoint)) continue;
      s.socket.close();
      this.sessions.delete(key);
    }
  }

  private forward(msg: Buffer, address: string, port: number): void {
    const key = `${address}:${port}`;
    let session = this.sessions.get(key);
    if (!session) {
      if (this.sessions.size >= maxSessions) return;
      const ep = this.picker.pick(address);
      if (!ep) return;
      const socket = createSocket('udp4');
      session = { socket, endpoint: ep.addr, lastActive: this.clock.monotonic() };
      const s = session;
      socket.on('error', (err) => {
        this.log.debug('udp session error', { endpoint: ep.addr, err });
        this.picker.forget(address);
        socket.close();
        if (this.sessions.get(key) === s) this.sessions.delete(key);
      });
      socket.on('message', (reply) => {
        s.lastActive = this.clock.monotonic();
        this.socket?.send(reply, port, address);
      });
      socket.connect(ep.port, ep.ip);
      this.sessions.set(key, session);
    }
    session.lastActive = this.clock.monotonic();
    const s = session;
    const send = () => s.socket.send(msg, (err) => err && this.log.debug('udp send failed', { err }));
    try {
      send();
    } catch {
      // Not connected yet: send once the connect completes.
      s.socket.once('connect', send);
    }
  }

  private sweep(): void {
    const now = this.clock.monotonic();
    for (const [key, s] of this.sessions) {
      if (now - s.lastActive <= this.idleMs) continue;
      s.socket.close();
      this.sessions.delete(key);
    }
  }
}
