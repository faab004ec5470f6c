import type { RequestInfo } from './http/request-info.js';

/**
 * The transport-independent request/response model. The HTTPS transport and the
 * in-process transport (used by components running inside `kubets server`) both
 * turn their input into an ApiRequest and render an ApiResponse; everything in
 * between — authentication, authorization, admission, the REST handlers — is
 * shared, so in-process clients get exactly the same semantics without a socket.
 */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What the transport learned about the caller before any HTTP semantics. */
export interface PeerInfo {
  /**
   * Subject of a client certificate that chained to a trusted CA (the client CA
   * or the request-header CA; `der` lets authenticators tell which).
   */
  certificate?: { commonName: string; organizations: string[]; der?: Uint8Array };
  remoteAddress?: string;
  /** In-process callers carry their identity directly (still authorized and admitted). */
  inProcessUser?: UserInfo;
}

export interface ApiRequest {
  method: string;
  /** Decoded path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names; repeated headers joined with ", " except where noted. */
  headers: Record<string, string | undefined>;
  /** Raw values of headers that may repeat and must not be joined (Impersonate-Group, ...). */
  headerLists?: Record<string, string[]>;
  /** Raw body bytes (HTTP). */
  body?: Uint8Array;
  /** A body that is already an object (in-process transport): no decoding needed. */
  object?: unknown;
  peer: PeerInfo;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** One event on a watch stream, with its wire form computed at most once. */
export interface WatchEventOut {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
  /** `{"type":...,"object":...}\n` — shared between watchers of the same content. */
  line(): string;
}

/**
 * A watch as the transport consumes it: pull events until `undefined` (the watch
 * ended). `close()` ends it early (client gone). Producers buffer a bounded
 * number of events and end slow consumers rather than grow without bound.
 */
export interface WatchStream {
  next(): Promise<WatchEventOut | undefined>;
  close(): void;
}

export interface ResponseHeaders {
  [name: string]: string | string[];
}

export type ApiResponse =
  | { type: 'object'; status: number; body: unknown; headers?: ResponseHeaders; contentType?: string }
  | { type: 'bytes'; status: number; contentType: string; body: Uint8Array | string; headers?: ResponseHeaders }
  | { type: 'watch'; status: number; stream: WatchStream; headers?: ResponseHeaders }
  | {
      type: 'stream';
      status: number;
      contentType: string;
      body: AsyncIterable<Uint8Array | string>;
      headers?: ResponseHeaders;
    }
  | { type: 'redirect'; status: 301 | 302 | 307; location: string; headers?: ResponseHeaders };

/**
 * Compensation hooks for one write attempt: strategies that reserve something
 * outside the object (service IPs, node ports) register a release on abort
 * (validation failed, conflict, dry run) or a follow-up on commit.
 */
export interface WriteTx {
  readonly dryRun: boolean;
  onCommit(fn: () => void | Promise<void>): void;
  onAbort(fn: () => void | Promise<void>): void;
}

/** Per-request state threaded through handlers, registries and admission. */
export interface RequestContext {
  /** Set by the store around each write attempt. */
  tx?: WriteTx;
  request: ApiRequest;
  info: RequestInfo;
  user: UserInfo;
  /** Warnings to send as `Warning: 299 - "..."` headers. */
  warnings: string[];
  signal: AbortSignal;
}
