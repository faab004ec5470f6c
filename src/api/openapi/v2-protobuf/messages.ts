/**
 * The field-number tables of every gnostic `openapi.v2` message, transcribed
 * from OpenAPIv2.proto (shapes and conventions: message-desc.ts).
 */
import { type Field, type FieldType, type MessageDesc, type MessageName, msg, msgs } from './message-desc.js';

export type { Field, FieldType, MessageDesc, MessageName } from './message-desc.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasRef = (v: unknown): boolean => isObject(v) && '$ref' in v;

/**
 * type, format, items, collectionFormat, default, maximum, exclusiveMaximum,
 * minimum, exclusiveMinimum, maxLength, minLength, pattern, maxItems, minItems,
 * uniqueItems, enum, multipleOf: the run of primitive-value keywords that
 * PrimitivesItems, Header and the four non-body parameter messages share, with
 * consecutive field numbers starting at `first`.
 */
function primitiveKeywords(first: number): Field[] {
  const run: [string, FieldType][] = [
    ['type', 'string'],
    ['format', 'string'],
    ['items', msg('PrimitivesItems')],
    ['collectionFormat', 'string'],
    ['default', 'any'],
    ['maximum', 'double'],
    ['exclusiveMaximum', 'bool'],
    ['minimum', 'double'],
    ['exclusiveMinimum', 'bool'],
    ['maxLength', 'int64'],
    ['minLength', 'int64'],
    ['pattern', 'string'],
    ['maxItems', 'int64'],
    ['minItems', 'int64'],
    ['uniqueItems', 'bool'],
    ['enum', 'anys'],
    ['multipleOf', 'double'],
  ];
  return run.map(([key, type], i) => [key, first + i, type] as const);
}

/** required 1, in 2, description 3, name 4: the head of every non-body parameter message. */
const parameterHead: Field[] = [
  ['required', 1, 'bool'],
  ['in', 2, 'string'],
  ['description', 3, 'string'],
  ['name', 4, 'string'],
];

// Header/path parameters: the primitive keywords follow the head (5..21), extensions 22.
const headerOrPathParameter: MessageDesc = {
  kind: 'struct',
  fields: [...parameterHead, ...primitiveKeywords(5)],
  extensions: 22,
};
// Query/formData parameters also have allowEmptyValue 5, so the run starts at 6; extensions 23.
const queryOrFormParameter: MessageDesc = {
  kind: 'struct',
  fields: [...parameterHead, ['allowEmptyValue', 5, 'bool'], ...primitiveKeywords(6)],
  extensions: 23,
};

const oauth2 = (rest: Field[], extensions: number): MessageDesc => ({
  kind: 'struct',
  fields: [['type', 1, 'string'], ['flow', 2, 'string'], ['scopes', 3, msg('Oauth2Scopes')], ...rest],
  extensions,
});

const nonBodyIn: Record<string, number> = { header: 1, formData: 2, query: 3, path: 4 };
const oauth2Flow: Record<string, number> = { implicit: 3, password: 4, application: 5, accessCode: 6 };

export const messages: Readonly<Record<MessageName, MessageDesc>> = {
  Document: {
    kind: 'struct',
    fields: [
      ['swagger', 1, 'string'],
      ['info', 2, msg('Info')],
      ['host', 3, 'string'],
      ['basePath', 4, 'string'],
      ['schemes', 5, 'strings'],
      ['consumes', 6, 'strings'],
      ['produces', 7, 'strings'],
      ['paths', 8, msg('Paths')],
      ['definitions', 9, msg('Definitions')],
      ['parameters', 10, msg('ParameterDefinitions')],
      ['responses', 11, msg('ResponseDefinitions')],
      ['security', 12, msgs('SecurityRequirement')],
      ['securityDefinitions', 13, msg('SecurityDefinitions')],
      ['tags', 14, msgs('Tag')],
      ['externalDocs', 15, msg('ExternalDocs')],
    ],
    extensions: 16,
  },
  Info: {
    kind: 'struct',
    fields: [
      ['title', 1, 'string'],
      ['version', 2, 'string'],
      ['description', 3, 'string'],
      ['termsOfService', 4, 'string'],
      ['contact', 5, msg('Contact')],
      ['license', 6, msg('License')],
    ],
    extensions: 7,
  },
  Contact: {
    kind: 'struct',
    fields: [
      ['name', 1, 'string'],
      ['url', 2, 'string'],
      ['email', 3, 'string'],
    ],
    extensions: 4,
  },
  License: {
    kind: 'struct',
    fields: [
      ['name', 1, 'string'],
      ['url', 2, 'string'],
    ],
    extensions: 3,
  },
  ExternalDocs: {
    kind: 'struct',
    fields: [
      ['description', 1, 'string'],
      ['url', 2, 'string'],
    ],
    extensions: 3,
  },
  Tag: {
    kind: 'struct',
    fields: [
      ['name', 1, 'string'],
      ['description', 2, 'string'],
      ['externalDocs', 3, msg('ExternalDocs')],
    ],
    extensions: 4,
  },
  Xml: {
    kind: 'struct',
    fields: [
      ['name', 1, 'string'],
      ['namespace', 2, 'string'],
      ['prefix', 3, 'string'],
      ['attribute', 4, 'bool'],
      ['wrapped', 5, 'bool'],
    ],
    extensions: 6,
  },
  // Paths lists its vendor extensions (1) before the path entries (2).
  Paths: { kind: 'map', entries: 2, value: 'PathItem', extensions: 1 },
  PathItem: {
    kind: 'struct',
    fields: [
      ['$ref', 1, 'string'],
      ['get', 2, msg('Operation')],
      ['put', 3, msg('Operation')],
      ['post', 4, msg('Operation')],
      ['delete', 5, msg('Operation')],
      ['options', 6, msg('Operation')],
      ['head', 7, msg('Operation')],
      ['patch', 8, msg('Operation')],
      ['parameters', 9, msgs('ParametersItem')],
    ],
    extensions: 10,
  },
  Operation: {
    kind: 'struct',
    fields: [
      ['tags', 1, 'strings'],
      ['summary', 2, 'string'],
      ['description', 3, 'string'],
      ['externalDocs', 4, msg('ExternalDocs')],
      ['operationId', 5, 'string'],
      ['produces', 6, 'strings'],
      ['consumes', 7, 'strings'],
      ['parameters', 8, msgs('ParametersItem')],
      ['responses', 9, msg('Responses')],
      ['schemes', 10, 'strings'],
      ['deprecated', 11, 'bool'],
      ['security', 12, msgs('SecurityRequirement')],
    ],
    extensions: 13,
  },
  ParametersItem: {
    kind: 'oneof',
    choices: { 1: 'Parameter', 2: 'JsonReference' },
    choose: (v) => (hasRef(v) ? 2 : 1),
  },
  Parameter: {
    kind: 'oneof',
    choices: { 1: 'BodyParameter', 2: 'NonBodyParameter' },
    choose: (v) => (isObject(v) && v.in === 'body' ? 1 : 2),
  },
  BodyParameter: {
    kind: 'struct',
    fields: [
      ['description', 1, 'string'],
      ['name', 2, 'string'],
      ['in', 3, 'string'],
      ['required', 4, 'bool'],
      ['schema', 5, msg('Schema')],
    ],
    extensions: 6,
  },
  NonBodyParameter: {
    kind: 'oneof',
    choices: {
      1: 'HeaderParameterSubSchema',
      2: 'FormDataParameterSubSchema',
      3: 'QueryParameterSubSchema',
      4: 'PathParameterSubSchema',
    },
    choose: (v) => (isObject(v) && typeof v.in === 'string' ? nonBodyIn[v.in] : undefined),
  },
  HeaderParameterSubSchema: headerOrPathParameter,
  PathParameterSubSchema: headerOrPathParameter,
  FormDataParameterSubSchema: queryOrFormParameter,
  QueryParameterSubSchema: queryOrFormParameter,
  PrimitivesItems: { kind: 'struct', fields: primitiveKeywords(1), extensions: 18 },
  JsonReference: {
    kind: 'struct',
    fields: [
      ['$ref', 1, 'string'],
      ['description', 2, 'string'],
    ],
  },
  // Response codes (1) come before the vendor extensions (2).
  Responses: { kind: 'map', entries: 1, value: 'ResponseValue', extensions: 2 },
  ResponseValue: { kind: 'oneof', choices: { 1: 'Response', 2: 'JsonReference' }, choose: (v) => (hasRef(v) ? 2 : 1) },
  Response: {
    kind: 'struct',
    fields: [
      ['description', 1, 'string'],
      ['schema', 2, msg('SchemaItem')],
      ['headers', 3, msg('Headers')],
      ['examples', 4, msg('Examples')],
    ],
    extensions: 5,
  },
  SchemaItem: {
    kind: 'oneof',
    choices: { 1: 'Schema', 2: 'FileSchema' },
    choose: (v) => (isObject(v) && v.type === 'file' ? 2 : 1),
  },
  FileSchema: {
    kind: 'struct',
    fields: [
      ['format', 1, 'string'],
      ['title', 2, 'string'],
      ['description', 3, 'string'],
      ['default', 4, 'any'],
      ['required', 5, 'strings'],
      ['type', 6, 'string'],
      ['readOnly', 7, 'bool'],
      ['externalDocs', 8, msg('ExternalDocs')],
      ['example', 9, 'any'],
    ],
    extensions: 10,
  },
  Headers: { kind: 'map', entries: 1, value: 'Header' },
  Header: {
    kind: 'struct',
    fields: [...primitiveKeywords(1), ['description', 18, 'string']],
    extensions: 19,
  },
  Examples: { kind: 'map', entries: 1, value: 'any' },
  Schema: {
    kind: 'struct',
    fields: [
      ['$ref', 1, 'string'],
      ['format', 2, 'string'],
      ['title', 3, 'string'],
      ['description', 4, 'string'],
      ['default', 5, 'any'],
      ['multipleOf', 6, 'double'],
      ['maximum', 7, 'double'],
      ['exclusiveMaximum', 8, 'bool'],
      ['minimum', 9, 'double'],
      ['exclusiveMinimum', 10, 'bool'],
      ['maxLength', 11, 'int64'],
      ['minLength', 12, 'int64'],
      ['pattern', 13, 'string'],
      ['maxItems', 14, 'int64'],
      ['minItems', 15, 'int64'],
      ['uniqueItems', 16, 'bool'],
      ['maxProperties', 17, 'int64'],
      ['minProperties', 18, 'int64'],
      ['required', 19, 'strings'],
      ['enum', 20, 'anys'],
      ['additionalProperties', 21, msg('AdditionalPropertiesItem')],
      ['type', 22, msg('TypeItem')],
      ['items', 23, msg('ItemsItem')],
      ['allOf', 24, msgs('Schema')],
      ['properties', 25, msg('Properties')],
      ['discriminator', 26, 'string'],
      ['readOnly', 27, 'bool'],
      ['xml', 28, msg('Xml')],
      ['externalDocs', 29, msg('ExternalDocs')],
      ['example', 30, 'any'],
    ],
    extensions: 31,
  },
  AdditionalPropertiesItem: {
    kind: 'oneof',
    choices: { 1: 'Schema', 2: 'bool' },
    choose: (v) => (typeof v === 'boolean' ? 2 : isObject(v) ? 1 : undefined),
  },
  TypeItem: { kind: 'list', item: 'string', single: true },
  ItemsItem: { kind: 'list', item: 'Schema', single: true },
  Properties: { kind: 'map', entries: 1, value: 'Schema' },
  Definitions: { kind: 'map', entries: 1, value: 'Schema' },
  ParameterDefinitions: { kind: 'map', entries: 1, value: 'Parameter' },
  ResponseDefinitions: { kind: 'map', entries: 1, value: 'Response' },
  SecurityDefinitions: { kind: 'map', entries: 1, value: 'SecurityDefinitionsItem' },
  SecurityDefinitionsItem: {
    kind: 'oneof',
    choices: {
      1: 'BasicAuthenticationSecurity',
      2: 'ApiKeySecurity',
      3: 'Oauth2ImplicitSecurity',
      4: 'Oauth2PasswordSecurity',
      5: 'Oauth2ApplicationSecurity',
      6: 'Oauth2AccessCodeSecurity',
    },
    choose: (v) => {
      if (!isObject(v)) return undefined;
      if (v.type === 'basic') return 1;
      if (v.type === 'apiKey') return 2;
      return v.type === 'oauth2' && typeof v.flow === 'string' ? oauth2Flow[v.flow] : undefined;
    },
  },
  BasicAuthenticationSecurity: {
    kind: 'struct',
    fields: [
      ['type', 1, 'string'],
      ['description', 2, 'string'],
    ],
    extensions: 3,
  },
  ApiKeySecurity: {
    kind: 'struct',
    fields: [
      ['type', 1, 'string'],
      ['name', 2, 'string'],
      ['in', 3, 'string'],
      ['description', 4, 'string'],
    ],
    extensions: 5,
  },
  Oauth2ImplicitSecurity: oauth2(
    [
      ['authorizationUrl', 4, 'string'],
      ['description', 5, 'string'],
    ],
    6,
  ),
  Oauth2PasswordSecurity: oauth2(
    [
      ['tokenUrl', 4, 'string'],
      ['description', 5, 'string'],
    ],
    6,
  ),
  Oauth2ApplicationSecurity: oauth2(
    [
      ['tokenUrl', 4, 'string'],
      ['description', 5, 'string'],
    ],
    6,
  ),
  Oauth2AccessCodeSecurity: oauth2(
    [
      ['authorizationUrl', 4, 'string'],
      ['tokenUrl', 5, 'string'],
      ['description', 6, 'string'],
    ],
    7,
  ),
  Oauth2Scopes: { kind: 'map', entries: 1, value: 'string' },
  SecurityRequirement: { kind: 'map', entries: 1, value: 'StringArray' },
  StringArray: { kind: 'list', item: 'string', single: false },
};
