import type { ConfigMap, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { byteLength, mapKeys, obj, semanticEqual, str, validateImmutable } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { isConfigMapKey, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/**
 * ConfigMaps, Secrets and ServiceAccounts. Secret `data` arrives base64-encoded
 * on the wire; sizes and the typed-secret content checks apply to the decoded
 * bytes, and `stringData` counts as data (upstream merges it during decoding).
 */
export const maxSecretSize = 1024 * 1024;

const dataPath = FieldPath.of('data');

/** Secret data as decoded bytes, with stringData merged over it. */
function secretData(s: Secret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const data = obj<string>(s.data);
  for (const k of mapKeys(data)) out.set(k, Buffer.from(str(data[k]), 'base64'));
  const sd = obj<string>(s.stringData);
  for (const k of mapKeys(sd)) out.set(k, Buffer.from(str(sd[k]), 'utf8'));
  return out;
}

/** Go's encoding/json error for a document that is not an object, or undefined when it is one. */
function jsonObjectError(b: Buffer): string | undefined {
  try {
    const v: unknown = JSON.parse(b.toString('utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      const kind = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'string' ? 'string' : typeof v;
      return v === null ? undefined : `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
    }
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function validateSecret(s: Secret): FieldError[] {
  const errs = validateObjectMeta(s.metadata, true, nameIsDNSSubdomain);
  const data = secretData(s);
  let total = 0;
  for (const [k, v] of data) {
    errs.push(...isConfigMapKey(k).map((m) => dataPath.key(k).invalid(k, m)));
    total += v.length;
  }
  if (total > maxSecretSize) errs.push(dataPath.tooLong('', maxSecretSize));
  const redacted = '<secret contents redacted>';
  switch (str(s.type)) {
    case 'kubernetes.io/service-account-token':
      if (!str(obj<string>(s.metadata?.annotations)['kubernetes.io/service-account.name']))
        errs.push(FieldPath.of('metadata', 'annotations').key('kubernetes.io/service-account.name').required());
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = s.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      const v = data.get(key);
      if (!v) errs.push(dataPath.key(key).required());
      else {
        const e = jsonObjectError(v);
        if (e) errs.push(dataPath.key(key).invalid(redacted, e));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!data.has('username') && !data.has('password'))
        errs.push(dataPath.key('username').required(), dataPath.key('password').required());
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data.get('ssh-privatekey')?.length) errs.push(dataPath.key('ssh-privatekey').required());
      break;
    case 'kubernetes.io/tls':
      if (!data.has('tls.crt')) errs.push(dataPath.key('tls.crt').required());
      if (!data.has('tls.key')) errs.push(dataPath.key('tls.key').required());
      break;
    default:
  }
  return errs;
}

export function validateSecretUpdate(s: Secret, old: Secret): FieldError[] {
  const errs = validateObjectMetaUpdate(s.metadata, old.metadata);
  errs.push(...validateImmutable(str(s.type), str(old.type), FieldPath.of('type')));
  if (old.immutable === true) {
    if (s.immutable !== true)
      errs.push(FieldPath.of('immutable').forbidden('field is immutable when `immutable` is set'));
    const nd = Object.fromEntries([...secretData(s)].map(([k, v]) => [k, v.toString('base64')]));
    const od = Object.fromEntries([...secretData(old)].map(([k, v]) => [k, v.toString('base64')]));
    if (!semanticEqual(nd, od)) errs.push(dataPath.forbidden('field is immutable when `immutable` is set'));
  }
  errs.push(...validateSecret(s));
  return errs;
}

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, true, nameIsDNSSubdomain);
  const data = obj<string>(cm.data);
  const binary = obj<string>(cm.binaryData);
  let total = 0;
  for (const k of mapKeys(data)) {
    errs.push(...isConfigMapKey(k).map((m) => dataPath.key(k).invalid(k, m)));
    if (k in binary) errs.push(dataPath.key(k).invalid(k, 'duplicate of key present in binaryData'));
    total += byteLength(str(data[k]));
  }
  for (const k of mapKeys(binary)) {
    errs.push(...isConfigMapKey(k).map((m) => FieldPath.of('binaryData').key(k).invalid(k, m)));
    total += Buffer.from(str(binary[k]), 'base64').length;
  }
  // The whole object is at fault, hence the empty path.
  if (total > maxSecretSize) errs.push(FieldPath.root().tooLong('', maxSecretSize));
  return errs;
}

export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs = validateObjectMetaUpdate(cm.metadata, old.metadata);
  if (old.immutable === true) {
    const msg = 'field is immutable when `immutable` is set';
    if (cm.immutable !== true) errs.push(FieldPath.of('immutable').forbidden(msg));
    if (!semanticEqual(cm.data, old.data)) errs.push(dataPath.forbidden(msg));
    if (!semanticEqual(cm.binaryData, old.binaryData)) errs.push(FieldPath.of('binaryData').forbidden(msg));
  }
  errs.push(...validateConfigMap(cm));
  return errs;
}

export function validateServiceAccount(sa: ServiceAccount): FieldError[] {
  return validateObjectMeta(sa.metadata, true, nameIsDNSSubdomain);
}

export function validateServiceAccountUpdate(sa: ServiceAccount, old: ServiceAccount): FieldError[] {
  return [...validateObjectMetaUpdate(sa.metadata, old.metadata), ...validateServiceAccount(sa)];
}
