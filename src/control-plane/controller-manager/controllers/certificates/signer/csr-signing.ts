import { formatTime } from '../../../../../api/values/time.js';
import { ResourceClient } from '../../../../../client/index.js';
import type { ParsedCsr } from '../../../../../lib/pki/csr.js';
import type { ControllerContext, ControllerDescriptor, CSRSigningConfig } from '../../../types.js';
import { runCertificateController } from '../certificate-controller.js';
import {
  appendCondition,
  csrGVR,
  hasTrueCondition,
  isApproved,
  requestOf,
  signerNames,
  type Csr,
} from '../csr-helpers.js';
import { validateAPIServerClientUsages, validateKubeletClientCsr, validateKubeletServingCsr } from '../kubelet-csr.js';
import { CertificateAuthority, certificateDuration } from './certificate-authority.js';

/**
 * csrsigning (upstream `controller/certificates/signer/signer.go`): issues
 * certificates for approved, not failed requests of the built-in signers it
 * has a key for. A request that does not meet its signer's rules gets a
 * `Failed` condition (reason SignerValidationFailure) instead of a certificate.
 *
 * | signer | CA | request must be |
 * |---|---|---|
 * | kubernetes.io/kube-apiserver-client | client CA | client auth (+ digital signature / key encipherment) |
 * | kubernetes.io/kube-apiserver-client-kubelet | client CA | a kubelet client request |
 * | kubernetes.io/kubelet-serving | serving CA | a kubelet serving request |
 */
export const defaultSigningDurationMs = 365 * 24 * 3600_000;

interface SignerEntry {
  ca: CertificateAuthority;
  check(req: ParsedCsr, usages: readonly string[]): string | undefined;
}

export class CsrSigner {
  private readonly signers = new Map<string, SignerEntry>();
  private readonly maxDurationMs: number;

  constructor(
    private readonly ctx: ControllerContext,
    config: CSRSigningConfig,
  ) {
    this.maxDurationMs = config.durationMs ?? defaultSigningDurationMs;
    if (config.clientCA) {
      const ca = new CertificateAuthority(config.clientCA);
      this.signers.set(signerNames.kubeAPIServerClient, { ca, check: (_r, u) => validateAPIServerClientUsages(u) });
      this.signers.set(signerNames.kubeAPIServerClientKubelet, { ca, check: validateKubeletClientCsr });
    }
    if (config.servingCA)
      this.signers.set(signerNames.kubeletServing, {
        ca: new CertificateAuthority(config.servingCA),
        check: validateKubeletServingCsr,
      });
  }

  get signerNames(): string[] {
    return [...this.signers.keys()];
  }

  async handle(csr: Csr): Promise<void> {
    if (!isApproved(csr) || hasTrueCondition(csr, 'Failed')) return;
    const signer = this.signers.get(csr.spec?.signerName ?? '');
    if (!signer) return;
    let req: ParsedCsr;
    try {
      req = requestOf(csr);
    } catch (err) {
      throw new Error(`unable to parse csr "${csr.metadata?.name}": ${(err as Error).message}`);
    }
    const client = new ResourceClient<Csr>(this.ctx.rest, csrGVR);
    const usages = csr.spec?.usages ?? [];
    const problem = signer.check(req, usages);
    if (problem) {
      appendCondition(csr, {
        type: 'Failed',
        status: 'True',
        reason: 'SignerValidationFailure',
        message: problem,
        lastUpdateTime: formatTime(this.ctx.clock.now()),
      });
      await client.updateStatus(csr);
      return;
    }
    let pem: string;
    try {
      const ttl = certificateDuration(csr.spec?.expirationSeconds, this.maxDurationMs);
      pem = signer.ca.sign(req, usages, ttl, this.ctx.clock.now());
    } catch (err) {
      throw new Error(`error auto signing csr: ${(err as Error).message}`);
    }
    csr.status = { ...(csr.status ?? {}), certificate: Buffer.from(pem).toString('base64') };
    await client.updateStatus(csr);
  }
}

export const csrSigningController: ControllerDescriptor = {
  name: 'csrsigning',
  serviceAccount: 'certificate-controller',
  enabledByDefault: true,
  start(ctx: ControllerContext) {
    const config = ctx.config.csrSigning;
    if (!config?.clientCA && !config?.servingCA) {
      ctx.log.info('Skipping CSR signer controller because no csr cert/key was specified');
      return Promise.resolve();
    }
    const signer = new CsrSigner(ctx, config);
    ctx.log.info('signing certificate requests', { signers: signer.signerNames });
    return runCertificateController(ctx, 'csrsigning', (csr) => signer.handle(csr));
  },
};
