/**
 * Streaming protocols for exec, attach and port-forward, server side (what
 * the kubelet serves and the apiserver forwards byte for byte), plus the
 * matching clients. The kubelet plugs in "run this command with these stdio
 * streams" (RemoteCommandHandler) and "connect to pod port N" (PortConnector).
 */
export { serveRemoteCommand } from './remotecommand/serve.js';
export {
  parseRemoteCommandOptions,
  type RemoteCommandHandler,
  type RemoteCommandOptions,
  type RemoteCommandResult,
  type RemoteCommandStreams,
  type ServeRemoteCommandOptions,
  type TerminalSize,
} from './remotecommand/types.js';
export {
  execOverSpdy,
  execOverWebSocket,
  remoteCommandQuery,
  type ExecClientOptions,
  type ExecClientResult,
} from './remotecommand/client.js';
export { PORT_FORWARD_PROTOCOL, servePortForward, type ServePortForwardOptions } from './portforward/serve.js';
export type { PortConnector } from './portforward/forwarder.js';
export { WebSocketConnection, type CloseInfo, type WebSocketConnectionOptions } from './websocket/connection.js';
export { acceptWebSocket, isWebSocketRequest } from './websocket/handshake.js';
export { UpgradeFailureError, connectWebSocket } from './websocket/client.js';
export { SpdySession, type SpdySessionOptions } from './spdy/session.js';
export type { SpdyStream } from './spdy/stream.js';
export { connectSpdy, connectSpdyOverWebSocket } from './spdy/client.js';
