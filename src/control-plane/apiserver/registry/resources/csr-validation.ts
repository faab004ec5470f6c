import { X509Certificate } from 'node:crypto';
import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
} from 'kubernetes-types/certificates/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { semanticEqual } from '../../../../api/validation/common.js';
import { FieldPath, type FieldError } from '../../../../api/validation/field-error.js';
import {
  DNS1123_SUBDOMAIN_MAX,
  DNS1123_LABEL_MAX,
  isDNS1123Label,
  isDNS1123Subdomain,
} from '../../../../api/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../../../api/validation/object-meta.js';
import { allCsrUsages } from '../../../../lib/pki/csr-usages.js';
import { parseCsr } from '../../../../lib/pki/csr.js';
import { decodePEM } from '../../../../lib/pki/pem.js';

/**
 * CertificateSigningRequest validation (upstream
 * `pkg/apis/certificates/validation`): a parseable, self-signed PKCS#10
 * request, known non-duplicate usages, a well-formed signerName, sane
 * conditions, a PEM certificate chain in status, and on update the rules on
 * who may touch approval conditions (/approval) and the certificate (/status).
 * Tolerances for bad data already stored mirror upstream's options.
 */
export interface CsrValidationOptions {
  allowSettingApprovalConditions?: boolean;
  allowSettingCertificate?: boolean;
}

const legacyUnknownSigner = 'kubernetes.io/legacy-unknown';
const trueOnlyTypes = new Set(['Approved', 'Denied', 'Failed']);
const spec = FieldPath.of('spec');
const conditionsPath = FieldPath.of('status', 'conditions');

const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64');

/** Upstream ValidateSignerName: `<domain with at least two labels>/<dotted subdomains>`, at most 571 characters. */
export function validateSignerName(path: FieldPath, signerName: string | undefined): FieldError[] {
  if (!signerName) return [path.required('')];
  const segments = signerName.split('/');
  if (segments.length !== 2)
    return [
      path.invalid(signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'"),
    ];
  const [domain, name] = segments as [string, string];
  const errs: FieldError[] = [];
  if (domain.length > DNS1123_SUBDOMAIN_MAX) errs.push(path.tooLong(domain, DNS1123_SUBDOMAIN_MAX));
  const labels = domain.split('.');
  for (const l of labels) {
    const msgs = isDNS1123Label(l);
    if (msgs.length === 0) continue;
    for (const m of msgs) errs.push(path.invalid(domain, `validating label "${l}": ${m}`));
    break;
  }
  if (labels.length < 2)
    errs.push(path.invalid(domain, 'should be a domain with at least two segments separated by dots'));
  for (const c of name.split('.')) {
    const msgs = isDNS1123Subdomain(c);
    if (msgs.length === 0) continue;
    for (const m of msgs) errs.push(path.invalid(name, `validating component "${c}": ${m}`));
    break;
  }
  const max = DNS1123_SUBDOMAIN_MAX + DNS1123_LABEL_MAX + DNS1123_SUBDOMAIN_MAX + 2;
  if (signerName.length > max) errs.push(path.tooLong(signerName, max));
  return errs;
}

/** Upstream validateCertificate: zero or more CERTIFICATE blocks, no headers, each parseable. */
export function certificateError(pem: Buffer): string | undefined {
  if (pem.length === 0) return undefined;
  const blocks = decodePEM(pem.toString('latin1'));
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  for (const b of blocks) {
    if (b.label !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found "${b.label}"`;
    if (Object.keys(b.headers).length) return 'no PEM block headers are permitted';
    try {
      new X509Certificate(b.der);
    } catch (err) {
      return `x509: ${(err as Error).message}`;
    }
  }
  return undefined;
}

const conditionsOf = (csr: CertificateSigningRequest) => csr.status?.conditions ?? [];
const ofType = (csr: CertificateSigningRequest, t: string) => conditionsOf(csr).filter((c) => c.type === t);

/** Upstream getValidationOptions: what stored (old) data lets slide on this write. */
function tolerances(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined) {
  const types = old ? conditionsOf(old).map((c) => c.type) : [];
  const usages = old?.spec?.usages ?? [];
  return {
    bothApprovedAndDenied: !!old && types.includes('Approved') && types.includes('Denied'),
    legacySigner: old?.spec?.signerName === legacyUnknownSigner,
    duplicateConditionTypes: new Set(types).size !== types.length,
    emptyConditionType: types.some((t) => !t),
    arbitraryCertificate:
      !!old &&
      ((csr.status?.certificate ?? '') === (old.status?.certificate ?? '') ||
        certificateError(b64(old.status?.certificate)) !== undefined),
    unknownUsages: usages.some((u) => !allCsrUsages.includes(u)),
    duplicateUsages: new Set(usages).size !== usages.length,
  };
}

function validateConditions(csr: CertificateSigningRequest, t: ReturnType<typeof tolerances>): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditionsOf(csr).forEach((c: CertificateSigningRequestCondition, i) => {
    const p = conditionsPath.index(i);
    if (!t.emptyConditionType && !c.type) errs.push(p.child('type').required(''));
    const allowed = trueOnlyTypes.has(c.type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c.status) errs.push(p.child('status').required(''));
    else if (!allowed.includes(c.status)) errs.push(p.child('status').notSupported(c.status, allowed));
    if (!t.bothApprovedAndDenied) {
      if (c.type === 'Approved') {
        approved = true;
        if (denied) errs.push(p.child('type').invalid(c.type, 'Approved and Denied conditions are mutually exclusive'));
      } else if (c.type === 'Denied') {
        denied = true;
        if (approved)
          errs.push(p.child('type').invalid(c.type, 'Approved and Denied conditions are mutually exclusive'));
      }
    }
    if (!t.duplicateConditionTypes) {
      if (seen.has(c.type)) errs.push(p.child('type').duplicate(c.type));
      seen.add(c.type);
    }
  });
  return errs;
}

function validateCsr(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined): FieldError[] {
  const t = tolerances(csr, old);
  const errs = validateObjectMeta(csr.metadata as ObjectMeta, false, () => []);
  try {
    parseCsr(b64(csr.spec?.request));
  } catch (err) {
    errs.push(spec.child('request').invalid(csr.spec?.request ?? '', (err as Error).message));
  }
  const usages = csr.spec?.usages ?? [];
  if (usages.length === 0) errs.push(spec.child('usages').required(''));
  if (!t.unknownUsages)
    usages.forEach((u, i) => {
      if (!allCsrUsages.includes(u)) errs.push(spec.child('usages').index(i).notSupported(u, allCsrUsages));
    });
  if (!t.duplicateUsages)
    usages.forEach((u, i) => {
      if (usages.indexOf(u) !== i) errs.push(spec.child('usages').index(i).duplicate(u));
    });
  const signer = csr.spec?.signerName;
  if (!t.legacySigner && signer === legacyUnknownSigner)
    errs.push(spec.child('signerName').invalid(signer, 'the legacy signerName is not allowed via this API version'));
  else errs.push(...validateSignerName(spec.child('signerName'), signer));
  const exp = csr.spec?.expirationSeconds;
  if (exp !== undefined && exp !== null && exp < 600)
    errs.push(
      spec.child('expirationSeconds').invalid(exp, 'may not specify a duration less than 600 seconds (10 minutes)'),
    );
  errs.push(...validateConditions(csr, t));
  if (!t.arbitraryCertificate) {
    const msg = certificateError(b64(csr.status?.certificate));
    if (msg) errs.push(FieldPath.of('status', 'certificate').invalid('<certificate data>', msg));
  }
  return errs;
}

export function validateCsrCreate(csr: CertificateSigningRequest): FieldError[] {
  return validateCsr(csr, undefined);
}

/** Update validation; the options say which subresource the write came through. */
export function validateCsrUpdate(
  csr: CertificateSigningRequest,
  old: CertificateSigningRequest,
  opts: CsrValidationOptions = {},
): FieldError[] {
  const errs = validateCsr(csr, old);
  for (const type of ['Approved', 'Denied', 'Failed']) {
    if (ofType(csr, type).length < ofType(old, type).length)
      errs.push(conditionsPath.forbidden(`updates may not remove a condition of type "${type}"`));
  }
  if (!opts.allowSettingApprovalConditions) {
    for (const type of ['Approved', 'Denied']) {
      const before = ofType(old, type);
      const after = ofType(csr, type);
      if (after.length > before.length)
        errs.push(conditionsPath.forbidden(`updates may not add a condition of type "${type}"`));
      else if (after.length === before.length && !semanticEqual(after, before))
        errs.push(
          conditionsPath.forbidden(
            `updates may not modify a condition of type "${type}"\n-${JSON.stringify(before)}\n+${JSON.stringify(after)}`,
          ),
        );
    }
  }
  if ((csr.status?.certificate ?? '') !== (old.status?.certificate ?? '')) {
    if (!opts.allowSettingCertificate)
      errs.push(FieldPath.of('status', 'certificate').forbidden('updates may not set certificate content'));
    else if (old.status?.certificate)
      errs.push(FieldPath.of('status', 'certificate').forbidden('updates may not modify existing certificate content'));
  }
  errs.push(...validateObjectMetaUpdate(csr.metadata as ObjectMeta, old.metadata as ObjectMeta));
  return errs;
}
