import { parse } from 'yaml';
import { aggregateMessage, FieldPath, type FieldError } from '../../../api/validation/field-error.js';
import {
  aescbcTransformer,
  aesgcmTransformer,
  identityTransformer,
  secretboxTransformer,
  type KeyTransformer,
} from './providers.js';
import { ValueTransformer } from './value-transformer.js';

/**
 * `--encryption-provider-config` (`apiserver.config.k8s.io/v1`
 * EncryptionConfiguration): which resources are encrypted with which
 * providers. Validation follows upstream
 * (`apiserver/pkg/apis/apiserver/validation/validation_encryption.go`) and
 * builds one ValueTransformer per listed group-resource; lookups fall back to
 * `*.<group>`, then `*.*`, then plaintext. KMS providers are not supported.
 */
export interface EncryptionKey {
  name: string;
  /** Base64 of the raw key. */
  secret: string;
}

export interface ProviderConfiguration {
  aescbc?: { keys?: EncryptionKey[] };
  aesgcm?: { keys?: EncryptionKey[] };
  secretbox?: { keys?: EncryptionKey[] };
  identity?: Record<string, never>;
  kms?: unknown;
}

export interface ResourceConfiguration {
  resources: string[];
  providers: ProviderConfiguration[];
}

export interface EncryptionConfiguration {
  apiVersion?: string;
  kind?: string;
  resources: ResourceConfiguration[];
}

const keySizes = { aescbc: [16, 24, 32], aesgcm: [16, 24, 32], secretbox: [32] } as const;
type CipherName = keyof typeof keySizes;
const ciphers: CipherName[] = ['aesgcm', 'aescbc', 'secretbox'];

interface GR {
  group: string;
  resource: string;
}

/** `secrets` -> core secrets; `deployments.apps`; `*.apps`; `*.` (all core); `*.*` (everything). */
export function parseGroupResource(s: string): GR {
  const i = s.indexOf('.');
  return i < 0 ? { group: '', resource: s } : { group: s.slice(i + 1), resource: s.slice(0, i) };
}

function grString(gr: GR): string {
  if (gr.group === '' && gr.resource === '*') return '*.';
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function validateKey(key: EncryptionKey, path: FieldPath, sizes: readonly number[], errs: FieldError[]) {
  if (!key.name) errs.push(path.child('name').required('name is a mandatory field for a key'));
  if (!key.secret) {
    errs.push(path.child('secret').required('secret is a mandatory field for a key'));
    return;
  }
  if (!base64Pattern.test(key.secret) || key.secret.length % 4 !== 0) {
    errs.push(path.child('secret').invalid('REDACTED', 'secrets must be base64 encoded'));
    return;
  }
  const len = Buffer.from(key.secret, 'base64').length;
  if (!sizes.includes(len)) {
    errs.push(
      path
        .child('secret')
        .invalid('REDACTED', `secret is not of the expected length, got ${len}, expected one of [${sizes.join(' ')}]`),
    );
  }
}

function validateProvider(p: ProviderConfiguration, path: FieldPath, errs: FieldError[]) {
  let found = 0;
  for (const c of ciphers) {
    const cfg = p[c];
    if (!cfg) continue;
    found++;
    const keysPath = path.child(c, 'keys');
    if (!cfg.keys?.length) errs.push(keysPath.required(`at least one ${keysPath} is required`));
    (cfg.keys ?? []).forEach((k, i) => validateKey(k, keysPath.index(i), keySizes[c], errs));
  }
  if (p.identity) found++;
  if (p.kms) {
    found++;
    errs.push(path.child('kms').forbidden('KMS providers are not supported by this server'));
  }
  if (found === 0) {
    errs.push(
      path.invalid(
        p,
        'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity',
      ),
    );
  } else if (found > 1) {
    errs.push(
      path.invalid(
        p,
        'more than one provider specified in a single element, should split into different list elements',
      ),
    );
  }
}

function validateResourceNames(resources: string[], path: FieldPath, errs: FieldError[]) {
  const grs = resources.map(parseGroupResource);
  let duplicate = false;
  let overlap = false;
  for (let i = 0; i < grs.length; i++) {
    for (let j = 0; j < grs.length; j++) {
      if (i === j) continue;
      const a = grs[i]!;
      const b = grs[j]!;
      if (a.group === b.group && a.resource === b.resource) duplicate = true;
      else if (
        (a.group === '*' && a.resource === '*') ||
        (a.group === b.group && (a.resource === '*' || b.resource === '*'))
      )
        overlap = true;
    }
  }
  if (duplicate) errs.push(path.invalid(resources.join(','), 'the same resource cannot be specified multiple times'));
  if (overlap) {
    errs.push(
      path.invalid(
        resources.join(','),
        "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked",
      ),
    );
  }
  resources.forEach((res, j) => {
    const p = path.index(j);
    const gr = grs[j]!;
    if (/[A-Z]/.test(res)) errs.push(p.invalid(res, 'resource name should not contain capital letters'));
    else if (res === '*')
      errs.push(
        p.invalid(res, "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources"),
      );
    else if (['apiserveripinfo', 'serviceipallocations', 'servicenodeportallocations'].includes(res)) {
      errs.push(p.invalid(res, 'resources which do not have REST API/s cannot be encrypted'));
    } else if (gr.group === 'events.k8s.io') {
      errs.push(
        p.invalid(
          res,
          "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file",
        ),
      );
    } else if (gr.group === 'extensions')
      errs.push(p.invalid(res, "'extensions' group has been removed and cannot be used for encryption"));
    else if (gr.group === '*' && gr.resource !== '*')
      errs.push(p.invalid(res, 'encrypting the same resource across groups is not supported'));
  });
}

export function validateEncryptionConfiguration(cfg: EncryptionConfiguration): FieldError[] {
  const errs: FieldError[] = [];
  const root = FieldPath.root('resources');
  if (!cfg.resources?.length) errs.push(root.required(`at least one ${root} is required`));
  (cfg.resources ?? []).forEach((rc, i) => {
    const r = root.index(i).child('resources');
    const p = root.index(i).child('providers');
    if (!rc.resources?.length) errs.push(r.required(`at least one ${r} is required`));
    validateResourceNames(rc.resources ?? [], r, errs);
    if (!rc.providers?.length) errs.push(p.required(`at least one ${p} is required`));
    (rc.providers ?? []).forEach((pc, j) => validateProvider(pc, p.index(j), errs));
  });
  return errs;
}

function keyTransformers(p: ProviderConfiguration): KeyTransformer[] {
  if (p.identity) return [identityTransformer];
  const make = { aescbc: aescbcTransformer, aesgcm: aesgcmTransformer, secretbox: secretboxTransformer };
  for (const c of ciphers) {
    const keys = p[c]?.keys;
    if (keys) return keys.map((k) => make[c](k.name, Buffer.from(k.secret, 'base64')));
  }
  return [];
}

const acceptedVersions = ['apiserver.config.k8s.io/v1', 'apiserver.config.k8s.io/v1beta1'];

export class EncryptionConfig {
  readonly #byResource = new Map<string, ValueTransformer>();
  readonly #identity = new ValueTransformer([identityTransformer]);

  constructor(readonly config: EncryptionConfiguration) {
    const errs = validateEncryptionConfiguration(config);
    if (errs.length) throw new Error(`error while parsing file: ${aggregateMessage(errs)}`);
    const lists = new Map<string, KeyTransformer[]>();
    for (const rc of config.resources) {
      const transformers = rc.providers.flatMap(keyTransformers);
      for (const res of rc.resources) {
        const gr = parseGroupResource(res);
        for (const mask of [
          { group: gr.group, resource: '*' },
          { group: '*', resource: '*' },
        ]) {
          if (lists.has(grString(mask))) {
            throw new Error(
              `error while building transformers: resource "${grString(gr)}" is masked by earlier rule "${grString(mask)}"`,
            );
          }
        }
        lists.set(grString(gr), [...(lists.get(grString(gr)) ?? []), ...transformers]);
      }
    }
    for (const [k, list] of lists) this.#byResource.set(k, new ValueTransformer(list));
  }

  static parse(text: string): EncryptionConfig {
    const doc = parse(text) as Partial<EncryptionConfiguration> | null;
    if (!doc || doc.kind !== 'EncryptionConfiguration' || !acceptedVersions.includes(doc.apiVersion ?? '')) {
      throw new Error(
        `error decoding encryption provider configuration: no kind "${doc?.kind ?? ''}" is registered for version "${doc?.apiVersion ?? ''}"`,
      );
    }
    return new EncryptionConfig({ ...doc, resources: doc.resources ?? [] });
  }

  /** The transformer for a group-resource (core group ''); plaintext when the configuration does not cover it. */
  transformerFor(group: string, resource: string): ValueTransformer {
    return (
      this.#byResource.get(grString({ group, resource })) ??
      this.#byResource.get(grString({ group, resource: '*' })) ??
      this.#byResource.get('*.*') ??
      this.#identity
    );
  }

  /** Whether new writes of the resource are encrypted. */
  encrypts(group: string, resource: string): boolean {
    return this.transformerFor(group, resource).writePrefix !== '';
  }
}
