import { GET_PATCH_UPDATE, expandGroupVersion, statusSub, sub } from './resource-builder.js';
import type { ResourceInfo } from './types.js';

/**
 * API extension and access-review groups as upstream v1.32 discovery lists
 * them: apiextensions, admissionregistration, apiregistration (the
 * aggregator's APIService), authentication and authorization (create-only
 * reviews) and certificates.
 */
export function extensionResources(): ResourceInfo[] {
  const ext = ['api-extensions'];
  const createOnly = ['create'] as const;
  return [
    ...expandGroupVersion({
      group: 'apiregistration.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1',
      resources: [
        {
          kind: 'APIService',
          plural: 'apiservices',
          namespaced: false,
          categories: ext,
          subresources: [statusSub('apiregistration.k8s.io', 'v1', 'APIService')],
        },
      ],
    }),
    ...expandGroupVersion({
      group: 'authentication.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.authentication.v1',
      resources: [
        { kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', namespaced: false, verbs: createOnly },
        { kind: 'TokenReview', plural: 'tokenreviews', namespaced: false, verbs: createOnly },
      ],
    }),
    ...expandGroupVersion({
      group: 'authorization.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.authorization.v1',
      resources: [
        { kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', namespaced: true, verbs: createOnly },
        { kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', namespaced: false, verbs: createOnly },
        { kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', namespaced: false, verbs: createOnly },
        { kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', namespaced: false, verbs: createOnly },
      ],
    }),
    ...expandGroupVersion({
      group: 'certificates.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.certificates.v1',
      resources: [
        {
          kind: 'CertificateSigningRequest',
          plural: 'certificatesigningrequests',
          namespaced: false,
          shortNames: ['csr'],
          subresources: [
            sub(
              { group: 'certificates.k8s.io', version: 'v1' },
              'approval',
              'CertificateSigningRequest',
              GET_PATCH_UPDATE,
            ),
            statusSub('certificates.k8s.io', 'v1', 'CertificateSigningRequest'),
          ],
        },
      ],
    }),
    ...expandGroupVersion({
      group: 'admissionregistration.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.admissionregistration.v1',
      resources: [
        {
          kind: 'MutatingWebhookConfiguration',
          plural: 'mutatingwebhookconfigurations',
          namespaced: false,
          categories: ext,
        },
        {
          kind: 'ValidatingAdmissionPolicy',
          plural: 'validatingadmissionpolicies',
          namespaced: false,
          categories: ext,
          subresources: [statusSub('admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicy')],
        },
        {
          kind: 'ValidatingAdmissionPolicyBinding',
          plural: 'validatingadmissionpolicybindings',
          namespaced: false,
          categories: ext,
        },
        {
          kind: 'ValidatingWebhookConfiguration',
          plural: 'validatingwebhookconfigurations',
          namespaced: false,
          categories: ext,
        },
      ],
    }),
    ...expandGroupVersion({
      group: 'apiextensions.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
      resources: [
        {
          kind: 'CustomResourceDefinition',
          plural: 'customresourcedefinitions',
          namespaced: false,
          shortNames: ['crd', 'crds'],
          categories: ext,
          subresources: [statusSub('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')],
        },
      ],
    }),
  ];
}
