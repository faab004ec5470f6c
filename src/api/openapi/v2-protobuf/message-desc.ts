/**
 * The gnostic `openapi.v2` messages (github.com/google/gnostic-models
 * `openapiv2/OpenAPIv2.proto`) as tables that map Swagger 2.0 JSON keys to
 * protobuf field numbers. The encoder and the decoder are both driven by these
 * tables (messages.ts), so a field number is written down exactly once.
 *
 * Four shapes cover every message:
 * - `struct`: a JSON object with fixed keys; `x-*` keys go to the message's
 *   `vendor_extension` field (repeated NamedAny) when it has one.
 * - `map`: a JSON object with free keys, sent as repeated `Named<Value>`
 *   entries ({1: name, 2: value}) in document order (Definitions, Properties,
 *   Paths, Responses, ...); `x-*` keys go to `extensions` when set.
 * - `list`: a message whose only field 1 is repeated (TypeItem, ItemsItem,
 *   StringArray); `single` marks the JSON forms that may be a lone value.
 * - `oneof`: a wrapper holding exactly one of several messages (or a bool),
 *   picked from the JSON value the way gnostic's parser would.
 */

export type MessageName =
  | 'Document'
  | 'Info'
  | 'Contact'
  | 'License'
  | 'ExternalDocs'
  | 'Tag'
  | 'Xml'
  | 'Paths'
  | 'PathItem'
  | 'Operation'
  | 'ParametersItem'
  | 'Parameter'
  | 'BodyParameter'
  | 'NonBodyParameter'
  | 'HeaderParameterSubSchema'
  | 'FormDataParameterSubSchema'
  | 'QueryParameterSubSchema'
  | 'PathParameterSubSchema'
  | 'PrimitivesItems'
  | 'JsonReference'
  | 'Responses'
  | 'ResponseValue'
  | 'Response'
  | 'SchemaItem'
  | 'FileSchema'
  | 'Headers'
  | 'Header'
  | 'Examples'
  | 'Schema'
  | 'AdditionalPropertiesItem'
  | 'TypeItem'
  | 'ItemsItem'
  | 'Properties'
  | 'Definitions'
  | 'ParameterDefinitions'
  | 'ResponseDefinitions'
  | 'SecurityDefinitions'
  | 'SecurityDefinitionsItem'
  | 'BasicAuthenticationSecurity'
  | 'ApiKeySecurity'
  | 'Oauth2ImplicitSecurity'
  | 'Oauth2PasswordSecurity'
  | 'Oauth2ApplicationSecurity'
  | 'Oauth2AccessCodeSecurity'
  | 'Oauth2Scopes'
  | 'SecurityRequirement'
  | 'StringArray';

/**
 * How one field's JSON value is carried. Scalars follow proto3: a zero value
 * ('' / false / 0) is not written, so it does not survive a round trip (the
 * same holds for gnostic). `any` is gnostic's `Any` message with the value as
 * YAML text in field 2; `repeated` message fields come from JSON arrays.
 */
export type FieldType =
  'string' | 'bool' | 'double' | 'int64' | 'strings' | 'any' | 'anys' | { message: MessageName; repeated?: boolean };

export type Field = readonly [key: string, no: number, type: FieldType];

export type MessageDesc =
  | { kind: 'struct'; fields: readonly Field[]; extensions?: number }
  | { kind: 'map'; entries: number; value: 'string' | 'any' | MessageName; extensions?: number }
  | { kind: 'list'; item: 'string' | MessageName; single: boolean }
  | {
      kind: 'oneof';
      choices: Readonly<Record<number, MessageName | 'bool'>>;
      /** The field number for this JSON value, or undefined when none fits. */
      choose(value: unknown): number | undefined;
    };

/** A singular / repeated message field type. */
export const msg = (message: MessageName): FieldType => ({ message });
export const msgs = (message: MessageName): FieldType => ({ message, repeated: true });
