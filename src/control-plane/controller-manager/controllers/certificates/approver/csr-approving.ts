import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { SubjectAccessReview } from 'kubernetes-types/authorization/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { ResourceClient, type KubeObject } from '../../../../../client/index.js';
import type { ParsedCsr } from '../../../../../lib/pki/csr.js';
import type { ControllerContext, ControllerDescriptor } from '../../../types.js';
import { runCertificateController } from '../certificate-controller.js';
import {
  appendCondition,
  approvalState,
  csrGVR,
  IgnorableError,
  requestOf,
  signerNames,
  type Csr,
} from '../csr-helpers.js';
import { validateKubeletClientCsr, validateKubeletServingCsr } from '../kubelet-csr.js';

/**
 * csrapproving (upstream `controller/certificates/approver/sarapprove.go`):
 * approves kubelet client certificate requests when the requester may create
 * the matching `certificatesigningrequests/<subresource>` — `selfnodeclient`
 * for a node renewing its own certificate, `nodeclient` for anyone else (a
 * bootstrap token) — as a SubjectAccessReview on the requester recorded in the
 * CSR's spec says. Requests it does not recognise are left to humans.
 *
 * kubets addition (off unless `config.approveKubeletServingCSRs`): a node's
 * `kubernetes.io/kubelet-serving` request for its own identity is approved
 * when every DNS name is the node's name (or a DNS address of its Node) and
 * every IP is one of its Node's addresses — or, before the Node is
 * registered, an ordinary unicast address outside the service CIDR. This keeps
 * a node from obtaining a serving certificate for the API server's names.
 */
export interface ApprovalRule {
  /** The subresource checked with a SubjectAccessReview, or a local check. */
  name: string;
  recognize(csr: Csr, req: ParsedCsr): boolean;
  authorize(csr: Csr, req: ParsedCsr): Promise<boolean>;
  message: string;
}

const usagesOf = (csr: Csr) => csr.spec?.usages ?? [];

export function isNodeClientCert(csr: Csr, req: ParsedCsr): boolean {
  return (
    csr.spec?.signerName === signerNames.kubeAPIServerClientKubelet &&
    validateKubeletClientCsr(req, usagesOf(csr)) === undefined
  );
}

export function isSelfNodeClientCert(csr: Csr, req: ParsedCsr): boolean {
  return csr.spec?.username === req.subject.commonName && isNodeClientCert(csr, req);
}

export function isSelfNodeServingCert(csr: Csr, req: ParsedCsr): boolean {
  return (
    csr.spec?.signerName === signerNames.kubeletServing &&
    csr.spec?.username === req.subject.commonName &&
    (csr.spec?.groups ?? []).includes('system:nodes') &&
    validateKubeletServingCsr(req, usagesOf(csr)) === undefined
  );
}

/**
 * Whether the serving request names only the node itself. `node` is the
 * registered Node, if any; `serviceCIDR` addresses are never a node's.
 */
export function servingNamesBelongToNode(req: ParsedCsr, node: Node | undefined, serviceCIDR: string): boolean {
  const nodeName = req.subject.commonName.slice('system:node:'.length);
  const addrs = node?.status?.addresses ?? [];
  const dnsOK = new Set([nodeName, ...addrs.filter((a) => /DNS|Hostname/.test(a.type)).map((a) => a.address)]);
  if (!req.dnsNames.every((d) => dnsOK.has(d))) return false;
  if (node) {
    const ips = new Set(addrs.filter((a) => /IP$/.test(a.type)).map((a) => a.address));
    return req.ipAddresses.every((ip) => ips.has(ip));
  }
  const reserved = new BlockList();
  for (const [net, prefix, type] of [
    ['0.0.0.0', 8, 'ipv4'],
    ['127.0.0.0', 8, 'ipv4'],
    ['169.254.0.0', 16, 'ipv4'],
    ['224.0.0.0', 3, 'ipv4'],
    ['::', 127, 'ipv6'],
    ['fe80::', 10, 'ipv6'],
    ['ff00::', 8, 'ipv6'],
  ] as const)
    reserved.addSubnet(net, prefix, type);
  for (const cidr of serviceCIDR.split(',').filter(Boolean)) {
    const [net, bits] = cidr.trim().split('/');
    if (net && bits && (isIPv4(net) || isIPv6(net)))
      reserved.addSubnet(net, Number(bits), isIPv4(net) ? 'ipv4' : 'ipv6');
  }
  return req.ipAddresses.every((ip) => !reserved.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6'));
}

export class CsrApprover {
  readonly rules: ApprovalRule[];

  constructor(
    private readonly ctx: ControllerContext,
    lookupNode?: (name: string) => Node | undefined,
  ) {
    const sar = (sub: string) => (csr: Csr) => this.subjectAccessReview(csr, sub);
    this.rules = [
      {
        name: 'selfnodeclient',
        recognize: isSelfNodeClientCert,
        authorize: sar('selfnodeclient'),
        message: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
      },
      {
        name: 'nodeclient',
        recognize: isNodeClientCert,
        authorize: sar('nodeclient'),
        message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
      },
    ];
    if (ctx.config.approveKubeletServingCSRs && lookupNode) {
      this.rules.push({
        name: 'selfnodeserving',
        recognize: isSelfNodeServingCert,
        authorize: async (_csr, req) =>
          servingNamesBelongToNode(
            req,
            lookupNode(req.subject.commonName.slice('system:node:'.length)),
            ctx.config.serviceCIDR,
          ),
        message: "Auto approving kubelet serving certificate for the node's own names and addresses.",
      });
    }
  }

  async handle(csr: Csr): Promise<void> {
    const { approved, denied } = approvalState(csr);
    if (approved || denied) return;
    let req: ParsedCsr;
    try {
      req = requestOf(csr);
    } catch (err) {
      throw new Error(`unable to parse csr "${csr.metadata?.name}": ${(err as Error).message}`);
    }
    const tried: string[] = [];
    for (const rule of this.rules) {
      if (!rule.recognize(csr, req)) continue;
      tried.push(rule.name);
      if (!(await rule.authorize(csr, req))) continue;
      appendCondition(csr, { type: 'Approved', status: 'True', reason: 'AutoApproved', message: rule.message });
      await new ResourceClient<Csr>(this.ctx.rest, csrGVR).updateSubresource(csr.metadata!.name!, 'approval', csr);
      return;
    }
    if (tried.length)
      throw new IgnorableError(
        `recognized csr "${csr.metadata?.name}" as [${tried.join(' ')}] but subject access review was not approved`,
      );
  }

  private async subjectAccessReview(csr: Csr, subresource: string): Promise<boolean> {
    const review: SubjectAccessReview & KubeObject = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: {},
      spec: {
        user: csr.spec?.username,
        uid: csr.spec?.uid,
        groups: csr.spec?.groups,
        extra: csr.spec?.extra,
        resourceAttributes: {
          group: 'certificates.k8s.io',
          resource: 'certificatesigningrequests',
          verb: 'create',
          subresource,
        },
      },
    };
    const client = new ResourceClient<SubjectAccessReview & KubeObject>(this.ctx.rest, {
      group: 'authorization.k8s.io',
      version: 'v1',
      resource: 'subjectaccessreviews',
    });
    const res = await client.create(review);
    return res.status?.allowed === true;
  }
}

export const csrApprovingController: ControllerDescriptor = {
  name: 'csrapproving',
  serviceAccount: 'certificate-controller',
  enabledByDefault: true,
  start(ctx) {
    let lookupNode: ((name: string) => Node | undefined) | undefined;
    if (ctx.config.approveKubeletServingCSRs) {
      const nodes = ctx.informers.forResource<Node & KubeObject>({ group: '', version: 'v1', resource: 'nodes' });
      lookupNode = (name) => nodes.lister().get('', name);
    }
    const approver = new CsrApprover(ctx, lookupNode);
    return runCertificateController(ctx, 'csrapproving', (csr) => approver.handle(csr));
  },
};
