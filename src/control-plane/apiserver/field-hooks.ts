import { findDuplicateKeys } from '../../api/codec/json.js';
import { loadDefinitions } from '../../api/openapi/definitions.js';
import type { Definitions, SchemaObject } from '../../api/openapi/schema-types.js';
import { applyFieldValidation, customResourceStrictIssues } from '../../api/schema/strict-decoding.js';
import { dropUnknownFields, strictFieldIssues } from '../../api/schema/unknown-fields.js';
import type { Clock } from '../../lib/clock.js';
import type { HandlerDeps } from './endpoints/context.js';
import type { FieldValidation } from './endpoints/query.js';
import {
  applyPatch,
  deducedType,
  trackUpdate,
  typeForDefinition,
  typeForSchema,
  type TypeNode,
} from './fieldmanager/index.js';
import type { ServedResource } from './registry/served-resource.js';
import type { KubeObject } from './watch-cache/types.js';
import { groupVersionString } from '../../api/scheme/types.js';

/**
 * The schema-driven parts of writes: unknown/duplicate field handling
 * (fieldValidation), managedFields tracking and server-side apply. Built-in
 * kinds use the generated OpenAPI definitions; custom resources their CRD
 * schema (or a deduced schema when they preserve unknown fields).
 */
export function fieldHooks(clock: Clock): Pick<HandlerDeps, 'checkFields' | 'trackUpdate' | 'apply'> {
  let defs: Definitions | undefined;
  const definitions = () => (defs ??= loadDefinitions());
  const types = new WeakMap<ServedResource, TypeNode>();
  const typeOf = (r: ServedResource): TypeNode => {
    let t = types.get(r);
    if (!t) {
      if (r.definition && definitions()[r.definition]) t = typeForDefinition(definitions(), r.definition);
      else if (r.customSchema && !r.customSchema['x-kubernetes-preserve-unknown-fields'])
        t = typeForSchema({}, r.customSchema);
      else t = deducedType;
      types.set(r, t);
    }
    return t;
  };
  const gvk = (r: ServedResource) => ({ kind: r.info.kind, version: r.info.version });

  return {
    checkFields(r: ServedResource, obj: KubeObject, raw: Uint8Array | undefined, mode: FieldValidation): string[] {
      const duplicates = raw && raw.length && raw[0] === 0x7b ? findDuplicateKeys(raw) : [];
      let messages: string[];
      if (r.custom) {
        const pruned = r.custom.prune(obj);
        messages = customResourceStrictIssues({ duplicates, pruned });
      } else if (r.definition && definitions()[r.definition]) {
        messages = strictFieldIssues(obj, r.definition, definitions(), { duplicates });
        if (mode !== 'Strict') dropUnknownFields(obj, r.definition, definitions());
      } else {
        return [];
      }
      const outcome = applyFieldValidation(mode, gvk(r), messages);
      if (outcome.error) throw outcome.error;
      return outcome.warnings;
    },
    trackUpdate(r, old, obj, manager, subresource) {
      return trackUpdate({
        oldObj: old as never,
        newObj: obj as never,
        manager,
        apiVersion: groupVersionString(r.info),
        now: clock.now(),
        schema: typeOf(r),
        subresource: subresource || undefined,
      }) as unknown as KubeObject;
    },
    apply(r, live, config, manager, force) {
      return applyPatch({
        live: live as never,
        config: config as never,
        manager,
        force,
        apiVersion: groupVersionString(r.info),
        kind: r.info.kind,
        now: clock.now(),
        schema: typeOf(r),
      }).object as unknown as KubeObject;
    },
  };
}

export type { SchemaObject };
