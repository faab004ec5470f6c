import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { tryParseFieldSelector } from '../../../../api/selectors/field-selector.js';
import type { UserInfo } from '../../types.js';
import { nodeRules } from '../rbac/data/cluster-roles.js';
import { rulesAllow } from '../rbac/rule-matching.js';
import type { Attributes, AuthorizationResult, Authorizer, RuleResolver, RulesReview } from '../types.js';
import type { NodeGraph, VertexType } from './graph.js';

/**
 * The Node authorizer (upstream `plugin/pkg/auth/authorizer/node/node_authorizer.go`,
 * v1.32 with AuthorizeNodeWithSelectors on): a kubelet (`system:node:<name>` in
 * group `system:nodes`) may read secrets, configmaps, PVCs, PVs, resource claims
 * and service-account tokens only when the graph links them to a pod bound to
 * it; may read only its own Node and list/watch only its own pods; may write its
 * own Lease and CSINode. Everything else is judged against the static
 * `system:node` rules. It never denies: a refusal is NoOpinion with a reason, so
 * RBAC can still grant more.
 */
export interface NodeAuthorizerOptions {
  /** DynamicResourceAllocation (off by default in v1.32): resource claims and slices. */
  dynamicResourceAllocation?: boolean;
  /** AuthorizeNodeWithSelectors (on by default in v1.32): per-node pods/nodes rules. */
  authorizeNodeWithSelectors?: boolean;
  /** Overrides the static rules (defaults to the bootstrap `system:node` rules). */
  rules?: PolicyRule[];
}

const nodeUserPrefix = 'system:node:';
export const nodesGroup = 'system:nodes';
const nodeLeaseNamespace = 'kube-node-lease';

/** `system:node:<name>` in group `system:nodes` -> the node name; undefined for other users. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.username.startsWith(nodeUserPrefix) || !user.groups.includes(nodesGroup)) return undefined;
  return user.username.slice(nodeUserPrefix.length);
}

const ok = (): AuthorizationResult => ({ decision: 'Allow', reason: '' });
const no = (reason = ''): AuthorizationResult => ({ decision: 'NoOpinion', reason });

export class NodeAuthorizer implements Authorizer, RuleResolver {
  private readonly rules: PolicyRule[];
  private readonly dra: boolean;
  private readonly selectors: boolean;

  constructor(
    private readonly graph: NodeGraph,
    opts: NodeAuthorizerOptions = {},
  ) {
    this.rules = opts.rules ?? nodeRules();
    this.dra = opts.dynamicResourceAllocation ?? false;
    this.selectors = opts.authorizeNodeWithSelectors ?? true;
  }

  async authorize(a: Attributes): Promise<AuthorizationResult> {
    const node = nodeIdentity(a.user);
    if (node === undefined) return no();
    if (node === '') return no(`unknown node for user ${JSON.stringify(a.user.username)}`);
    if (a.isResourceRequest) {
      const r = this.subdivided(node, a);
      if (r) return r;
    }
    return rulesAllow(a, this.rules) ? ok() : no();
  }

  /** Nodes' permissions are not enumerable (upstream reports them incomplete). */
  async rulesFor(user: UserInfo): Promise<RulesReview> {
    if (nodeIdentity(user) === undefined) return { resourceRules: [], nonResourceRules: [], incomplete: false };
    return {
      resourceRules: [],
      nonResourceRules: [],
      incomplete: true,
      evaluationError: 'node authorizer does not support user rule resolution',
    };
  }

  /** The resources the graph subdivides; undefined falls through to the static rules. */
  private subdivided(node: string, a: Attributes): AuthorizationResult | undefined {
    const gr = `${a.resource}.${a.apiGroup}`;
    switch (gr) {
      case 'secrets.':
        return this.readNamespaced(node, 'secret', a);
      case 'configmaps.':
        return this.readNamespaced(node, 'configmap', a);
      case 'persistentvolumeclaims.':
        return a.subresource === 'status' ? this.statusUpdate(node, 'pvc', a) : this.getOnly(node, 'pvc', a);
      case 'persistentvolumes.':
        return this.getOnly(node, 'pv', a);
      case 'volumeattachments.storage.k8s.io':
        return this.getOnly(node, 'volumeattachment', a);
      case 'serviceaccounts.':
        return this.createToken(node, a);
      case 'leases.coordination.k8s.io':
        return this.lease(node, a);
      case 'csinodes.storage.k8s.io':
        return this.csiNode(node, a);
      case 'resourceclaims.resource.k8s.io':
        return this.dra ? this.getOnly(node, 'resourceclaim', a) : undefined;
      case 'resourceslices.resource.k8s.io':
        return this.dra ? this.resourceSlice(node, a) : undefined;
      case 'pods.':
        return this.selectors ? this.pod(node, a) : undefined;
      case 'nodes.':
        return this.selectors ? this.nodeObject(node, a) : undefined;
      default:
        return undefined;
    }
  }

  private related(node: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (!a.name) return no('No Object name found');
    if (this.graph.pathError(node, type, a.namespace, a.name) !== undefined) {
      return no(`no relationship found between node '${node}' and this object`);
    }
    return ok();
  }

  private readNamespaced(node: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch') return no('can only read resources of this type');
    if (a.subresource) return no('cannot read subresource');
    if (!a.namespace) return no('can only read namespaced object of this type');
    return this.related(node, type, a);
  }

  private getOnly(node: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (a.verb !== 'get') return no('can only get individual resources of this type');
    if (a.subresource) return no('cannot get subresource');
    return this.related(node, type, a);
  }

  private statusUpdate(node: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (a.verb !== 'update' && a.verb !== 'patch') return no('can only get/update/patch this type');
    if (a.subresource !== 'status') return no('can only update status subresource');
    return this.related(node, type, a);
  }

  private createToken(node: string, a: Attributes): AuthorizationResult {
    if (a.verb !== 'create' || !a.name) return no('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return no('can only create token subresource of serviceaccount');
    return this.related(node, 'serviceaccount', a);
  }

  private lease(node: string, a: Attributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) {
      return no('can only get, create, update, patch, or delete a node lease');
    }
    if (a.namespace !== nodeLeaseNamespace)
      return no(`can only access leases in the "${nodeLeaseNamespace}" system namespace`);
    // The name is unknown on create; the NodeRestriction admission plugin checks it there.
    if (a.verb !== 'create' && a.name !== node)
      return no('can only access node lease with the same name as the requesting node');
    return ok();
  }

  private csiNode(node: string, a: Attributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) {
      return no('can only get, create, update, patch, or delete a CSINode');
    }
    if (a.subresource) return no('cannot authorize CSINode subresources');
    if (a.verb !== 'create' && a.name !== node)
      return no('can only access CSINode with the same name as the requesting node');
    return ok();
  }

  private resourceSlice(node: string, a: Attributes): AuthorizationResult {
    if (a.subresource) return no('cannot authorize ResourceSlice subresources');
    switch (a.verb) {
      case 'create':
        return ok();
      case 'get':
      case 'update':
      case 'patch':
      case 'delete':
        return this.related(node, 'resourceslice', a);
      case 'watch':
      case 'list':
      case 'deletecollection':
        if (!this.selectors || selects(a.fieldSelector, 'spec.nodeName', node)) return ok();
        return no('can only list/watch/deletecollection resourceslices with nodeName field selector');
      default:
        return no(
          'only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection',
        );
    }
  }

  private pod(node: string, a: Attributes): AuthorizationResult {
    switch (a.subresource) {
      case '':
        switch (a.verb) {
          case 'get':
            return this.related(node, 'pod', a);
          case 'list':
          case 'watch':
            if (selects(a.fieldSelector, 'spec.nodeName', node)) return ok();
            if (a.name) return this.related(node, 'pod', a);
            return no('can only list/watch pods with spec.nodeName field selector');
          case 'create':
          case 'delete':
            // Mirror pods; NodeRestriction admission limits them to the node's own.
            return ok();
        }
        break;
      case 'status':
        if (a.verb === 'update' || a.verb === 'patch') return ok();
        break;
      case 'eviction':
        if (a.verb === 'create') return ok();
        break;
    }
    return no();
  }

  private nodeObject(node: string, a: Attributes): AuthorizationResult {
    if (a.subresource === '') {
      switch (a.verb) {
        case 'create':
        case 'update':
        case 'patch':
          return ok();
        case 'get':
        case 'list':
        case 'watch':
          // By name rather than through the graph, so a kubelet can look for its Node before creating it.
          if (a.name === node) return ok();
          if (a.name === '') return no(`node '${node}' cannot read all nodes, only its own Node object`);
          return no(`node '${node}' cannot read '${a.name}', only its own Node object`);
      }
    } else if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) {
      return ok();
    }
    return no();
  }
}

/** Whether a field selector has an `=`/`==` term binding `field` to `value`. */
function selects(fieldSelector: string | undefined, field: string, value: string): boolean {
  if (!fieldSelector) return false;
  const parsed = tryParseFieldSelector(fieldSelector);
  if (typeof parsed === 'string') return false;
  return parsed.terms().some((t) => t.field === field && t.op === '=' && t.value === value);
}
