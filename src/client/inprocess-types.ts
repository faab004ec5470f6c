/**
 * The apiserver's in-process entry point, declared structurally: the layer
 * rule forbids `src/client` from importing the apiserver, so these types mirror
 * `ApiRequest`/`ApiResponse` of `control-plane/apiserver/types.ts` closely
 * enough that the composition root (`src/cmd`) can pass the apiserver's
 * `handle` function straight to `InProcessTransport`.
 *
 * Sharing contract: `object` (request) and `body` / watch `object` (response)
 * are handed over by reference, without a JSON round trip. Response objects
 * are shared with the server's caches and must be treated as read-only by
 * every caller (clone before mutating). The server copies request objects
 * before defaulting them, so a caller may keep using what it sent.
 */
export interface InProcessUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface InProcessRequest {
  method: string;
  /** Decoded path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** The request body as a value (a create/update object, a patch document, DeleteOptions). */
  object?: unknown;
  peer: { inProcessUser?: InProcessUser };
  /** Aborted when the caller gives up (the server stops work and ends watches). */
  signal: AbortSignal;
}

export interface InProcessWatchEvent {
  type: string;
  object: unknown;
  line(): string;
}

export interface InProcessWatchStream {
  /** The next event, or undefined once the watch ended. */
  next(): Promise<InProcessWatchEvent | undefined>;
  close(): void;
}

export type InProcessHeaders = Record<string, string | string[]>;

export type InProcessResponse =
  | { type: 'object'; status: number; body: unknown; headers?: InProcessHeaders }
  | { type: 'bytes'; status: number; contentType: string; body: Uint8Array | string; headers?: InProcessHeaders }
  | { type: 'watch'; status: number; stream: InProcessWatchStream; headers?: InProcessHeaders }
  | {
      type: 'stream';
      status: number;
      contentType: string;
      body: AsyncIterable<Uint8Array | string>;
      headers?: InProcessHeaders;
    }
  | { type: 'redirect'; status: number; location: string; headers?: InProcessHeaders };

/** The apiserver's `handle`: authenticates (peer.inProcessUser), authorizes, admits and serves. */
export type InProcessHandler = (req: InProcessRequest) => Promise<InProcessResponse>;
