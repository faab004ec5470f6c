/**
 * OpenAPI v2 as gnostic protobuf (`openapi.v2.Document`), the form kubectl
 * downloads from `/openapi/v2`. See encode.ts for the contract.
 */
export { encodeOpenApiV2Protobuf, encodeGnosticMessage } from './encode.js';
export { decodeOpenApiV2Protobuf, decodeGnosticMessage } from './decode.js';
export { openApiV2ProtobufFor, type OpenApiV2Protobuf } from './for-resources.js';
export type { MessageName } from './messages.js';
