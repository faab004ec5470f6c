/**
 * A realistic CRD schema for tests: nested objects, a list-type map of objects,
 * a set, int-or-string, enums, patterns, formats, defaults, a
 * preserve-unknown-fields subtree, an embedded resource and a string map.
 * Tests copy it before mutating (structuredClone).
 */
import type { SchemaProps } from '../structural/schema-props.js';

export const widgetSchema: SchemaProps = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'string', enum: ['S', 'M', 'L'], default: 'M' },
        replicas: { type: 'integer', format: 'int32', minimum: 0, maximum: 10, default: 1 },
        name: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', minLength: 2, maxLength: 20 },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        ratio: { type: 'number', multipleOf: 0.5, maximum: 1e6, exclusiveMaximum: true },
        tags: { type: 'array', maxItems: 3, items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
          items: {
            type: 'object',
            required: ['containerPort'],
            properties: {
              containerPort: { type: 'integer', format: 'int32' },
              protocol: { type: 'string', default: 'TCP' },
              name: { type: 'string' },
            },
          },
        },
        labels: { type: 'object', maxProperties: 2, additionalProperties: { type: 'string' } },
        config: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { mode: { type: 'string', default: 'auto' } },
        },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
        nested: {
          type: 'object',
          default: {},
          properties: {
            enabled: { type: 'boolean', default: true },
            level: { type: 'object', properties: { deep: { type: 'integer', default: 3 } } },
          },
        },
        createdAt: { type: 'string', format: 'date-time' },
        id: { type: 'string', format: 'uuid', nullable: true },
      },
    },
    status: { type: 'object', properties: { phase: { type: 'string' } } },
  },
};

/** A valid Widget (after defaulting). */
export function validWidget(): Record<string, unknown> {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w1', namespace: 'default' },
    spec: {
      size: 'S',
      replicas: 3,
      name: 'widget-1',
      port: '8080',
      ratio: 2.5,
      tags: ['a', 'b'],
      ports: [
        { containerPort: 80, protocol: 'TCP' },
        { containerPort: 80, protocol: 'UDP' },
      ],
      labels: { app: 'w' },
      config: { mode: 'manual', anything: { goes: [1, 2] } },
      template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } },
      nested: { enabled: false, level: { deep: 1 } },
      createdAt: '2024-05-01T10:20:30Z',
      id: null,
    },
    status: { phase: 'Ready' },
  };
}
