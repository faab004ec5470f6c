/**
 * OpenAPI definitions for custom resources, so the apiserver can serve a CRD's
 * group-version documents like built-in ones (kubectl explain, server-side
 * validation discovery, client-side apply). Mirrors apiextensions-apiserver's
 * builder: the version's `openAPIV3Schema` becomes `<reversed group>.<version>.<Kind>`
 * with `apiVersion`/`kind`/`metadata` filled in, plus a `<Kind>List` definition.
 */
import type { JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';
import { definitionRefPrefix, type Definitions, type SchemaObject } from './schema-types.js';

const metaPrefix = 'io.k8s.apimachinery.pkg.apis.meta.v1';

const apiVersionDescription =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const kindDescription =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const metadataDescription =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const listMetadataDescription =
  'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

export interface CustomResourceSchemaInput {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural resource name, used in the list's `items` description. */
  plural: string;
  /** `spec.versions[i].schema.openAPIV3Schema`; absent means "any object". */
  schema?: JSONSchemaProps;
}

/** `stable.example.com`, `v1`, `CronTab` -> `com.example.stable.v1.CronTab` (upstream's REST-friendly name). */
export function customResourceDefinitionName(group: string, version: string, kind: string): string {
  const reversed = group.split('.').reverse().join('.');
  return `${reversed}.${version}.${kind}`;
}

/**
 * `base` plus the custom resource's object and list definitions (a new object;
 * `base` is not modified). Replacing an earlier version of the same CRD is just
 * calling this again on the original base.
 */
export function schemaForCustomResource(input: CustomResourceSchemaInput, base: Definitions): Definitions {
  const name = customResourceDefinitionName(input.group, input.version, input.kind);
  const listName = customResourceDefinitionName(input.group, input.version, input.listKind);

  const object: SchemaObject = input.schema
    ? fromJSONSchemaProps(input.schema)
    : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  object.type = 'object';
  object.properties = {
    ...object.properties,
    apiVersion: { type: 'string', description: apiVersionDescription },
    kind: { type: 'string', description: kindDescription },
    metadata: { $ref: `${definitionRefPrefix}${metaPrefix}.ObjectMeta`, description: metadataDescription },
  };
  object['x-kubernetes-group-version-kind'] = [{ group: input.group, kind: input.kind, version: input.version }];

  const list: SchemaObject = {
    description: `${input.listKind} is a list of ${input.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: apiVersionDescription },
      items: {
        type: 'array',
        description: `List of ${input.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        items: { $ref: definitionRefPrefix + name },
      },
      kind: { type: 'string', description: kindDescription },
      metadata: { $ref: `${definitionRefPrefix}${metaPrefix}.ListMeta`, description: listMetadataDescription },
    },
    'x-kubernetes-group-version-kind': [{ group: input.group, kind: input.listKind, version: input.version }],
  };

  return { ...base, [name]: object, [listName]: list };
}

/**
 * A deep copy of a CRD schema as a SchemaObject. Both are the same JSON shape;
 * the apiextensions types merely allow `items` arrays and boolean
 * `additionalProperties`, which structural schemas (required for v1 CRDs) never use.
 */
function fromJSONSchemaProps(props: JSONSchemaProps): SchemaObject {
  return structuredClone(props) as SchemaObject;
}
