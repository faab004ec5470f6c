import type {
  MutatingWebhookConfiguration,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingWebhookConfiguration,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { ClusterRoleBinding, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { humanDuration } from '../../../api/values/human-duration.js';
import { ageColumn, column, docColumn, nameColumn, printer } from './columns.js';
import { age, nameOf } from './format.js';

/**
 * Access control and admission (upstream `printRoleBinding`,
 * `printClusterRoleBinding`, `printCertificateSigningRequest`,
 * `printMutatingWebhook`, `printValidatingWebhook`,
 * `printValidatingAdmissionPolicy`, `printValidatingAdmissionPolicyBinding`).
 * Roles and ClusterRoles have no printer upstream (default NAME/CREATED AT).
 */

/** `rbac.SubjectsStrings`: users, groups and `namespace/name` service accounts. */
function subjectsStrings(subjects: readonly Subject[] | undefined): [string[], string[], string[]] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name}`);
    else if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
  }
  return [users, groups, sas];
}

function bindingPrinter(kind: 'roleBinding' | 'clusterRoleBinding') {
  return printer(
    [
      nameColumn,
      docColumn('Role', 'string', kind === 'roleBinding' ? 'RoleBinding.roleRef' : 'ClusterRoleBinding.roleRef'),
      ageColumn,
      column('Users', 'string', `Users in the ${kind}`, { priority: 1 }),
      column('Groups', 'string', `Groups in the ${kind}`, { priority: 1 }),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${kind}`, { priority: 1 }),
    ],
    (obj: RoleBinding | ClusterRoleBinding, now) => {
      const [users, groups, sas] = subjectsStrings(obj.subjects);
      return [
        nameOf(obj),
        `${obj.roleRef?.kind ?? ''}/${obj.roleRef?.name ?? ''}`,
        age(obj, now),
        users.join(', '),
        groups.join(', '),
        sas.join(', '),
      ];
    },
  );
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');

/** CONDITION: Denied over Approved over Pending, then `,Failed` and `,Issued`. */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (csr.status?.certificate) status += ',Issued';
  return status;
}

export const certificateSigningRequestPrinter = printer(
  [
    nameColumn,
    ageColumn,
    docColumn('SignerName', 'string', 'CertificateSigningRequestSpec.signerName'),
    docColumn('Requestor', 'string', 'CertificateSigningRequestSpec.request'),
    docColumn('RequestedDuration', 'string', 'CertificateSigningRequestSpec.expirationSeconds'),
    docColumn('Condition', 'string', 'CertificateSigningRequestStatus.conditions'),
  ],
  (obj: CertificateSigningRequest, now) => {
    const seconds = obj.spec?.expirationSeconds;
    return [
      nameOf(obj),
      age(obj, now),
      obj.spec?.signerName || '<none>',
      obj.spec?.username ?? '',
      seconds != null ? humanDuration(seconds * 1000) : '<none>',
      csrCondition(obj),
    ];
  },
);

const webhookColumns = [
  nameColumn,
  column('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'),
  ageColumn,
];

export const mutatingWebhookConfigurationPrinter = printer(webhookColumns, (obj: MutatingWebhookConfiguration, now) => [
  nameOf(obj),
  obj.webhooks?.length ?? 0,
  age(obj, now),
]);

export const validatingWebhookConfigurationPrinter = printer(
  webhookColumns,
  (obj: ValidatingWebhookConfiguration, now) => [nameOf(obj), obj.webhooks?.length ?? 0, age(obj, now)],
);

export const validatingAdmissionPolicyPrinter = printer(
  [
    nameColumn,
    column(
      'Validations',
      'integer',
      'Validations indicates the number of validation rules defined in this configuration',
    ),
    column('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    ageColumn,
  ],
  (obj: ValidatingAdmissionPolicy, now) => {
    const pk = obj.spec?.paramKind;
    return [
      nameOf(obj),
      obj.spec?.validations?.length ?? 0,
      pk ? `${pk.apiVersion ?? ''}/${pk.kind ?? ''}` : '<unset>',
      age(obj, now),
    ];
  },
);

/** Go's generated `(*LabelSelector).String()`, which upstream prints for a selector-based paramRef. */
function goLabelSelectorString(sel: LabelSelector): string {
  const labels = Object.keys(sel.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${sel.matchLabels![k]},`)
    .join('');
  const exprs = (sel.matchExpressions ?? [])
    .map(
      (e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`,
    )
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

export const validatingAdmissionPolicyBindingPrinter = printer(
  [
    nameColumn,
    column('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
    column('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
    ageColumn,
  ],
  (obj: ValidatingAdmissionPolicyBinding, now) => {
    const pr = obj.spec?.paramRef;
    let param = '<unset>';
    if (pr?.name) {
      // Whether the param is cluster-scoped is unknown here, so a missing namespace prints as `*`.
      param = pr.namespace ? `${pr.namespace}/${pr.name}` : `*/${pr.name}`;
    } else if (pr?.selector) {
      param = goLabelSelectorString(pr.selector);
    }
    return [nameOf(obj), obj.spec?.policyName ?? '', param, age(obj, now)];
  },
);
