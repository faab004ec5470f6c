import {
  certificateSigningRequestPrinter,
  clusterRoleBindingPrinter,
  mutatingWebhookConfigurationPrinter,
  roleBindingPrinter,
  validatingAdmissionPolicyBindingPrinter,
  validatingAdmissionPolicyPrinter,
  validatingWebhookConfigurationPrinter,
} from './access.js';
import { horizontalPodAutoscalerPrinter, scalePrinter } from './autoscaling.js';
import { cronJobPrinter, jobPrinter } from './batch.js';
import { flowSchemaPrinter, leasePrinter, priorityLevelConfigurationPrinter } from './coordination.js';
import {
  componentStatusPrinter,
  configMapPrinter,
  namespacePrinter,
  nodePrinter,
  resourceQuotaPrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './core.js';
import { defaultPrinter } from './default-printer.js';
import { eventPrinter, eventsV1EventPrinter } from './event.js';
import {
  endpointSlicePrinter,
  endpointsPrinter,
  ingressClassPrinter,
  ingressPrinter,
  ipAddressPrinter,
  networkPolicyPrinter,
  serviceCIDRPrinter,
  servicePrinter,
} from './networking.js';
import { podPrinter, podTemplatePrinter } from './pod.js';
import { podDisruptionBudgetPrinter, priorityClassPrinter, runtimeClassPrinter } from './policy.js';
import {
  csiDriverPrinter,
  csiNodePrinter,
  csiStorageCapacityPrinter,
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  storageClassPrinter,
  volumeAttachmentPrinter,
} from './storage.js';
import type { Printer } from './types.js';
import {
  controllerRevisionPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from './workloads.js';

/**
 * Built-in printers by API group and kind (any version: each printer reads the
 * wire shapes of the versions served). Upstream registers these with
 * `printersinternal.AddHandlers`; kinds not listed use the default printer.
 */
const printers: Record<string, Record<string, Printer>> = {
  '': {
    Pod: podPrinter,
    PodTemplate: podTemplatePrinter,
    ReplicationController: replicationControllerPrinter,
    Service: servicePrinter,
    Endpoints: endpointsPrinter,
    Node: nodePrinter,
    Namespace: namespacePrinter,
    Event: eventPrinter,
    Secret: secretPrinter,
    ConfigMap: configMapPrinter,
    ServiceAccount: serviceAccountPrinter,
    PersistentVolume: persistentVolumePrinter,
    PersistentVolumeClaim: persistentVolumeClaimPrinter,
    ResourceQuota: resourceQuotaPrinter,
    ComponentStatus: componentStatusPrinter,
  },
  apps: {
    ReplicaSet: replicaSetPrinter,
    Deployment: deploymentPrinter,
    StatefulSet: statefulSetPrinter,
    DaemonSet: daemonSetPrinter,
    ControllerRevision: controllerRevisionPrinter,
  },
  batch: { Job: jobPrinter, CronJob: cronJobPrinter },
  autoscaling: { HorizontalPodAutoscaler: horizontalPodAutoscalerPrinter, Scale: scalePrinter },
  policy: { PodDisruptionBudget: podDisruptionBudgetPrinter },
  'networking.k8s.io': {
    Ingress: ingressPrinter,
    IngressClass: ingressClassPrinter,
    NetworkPolicy: networkPolicyPrinter,
    ServiceCIDR: serviceCIDRPrinter,
    IPAddress: ipAddressPrinter,
  },
  'discovery.k8s.io': { EndpointSlice: endpointSlicePrinter },
  'events.k8s.io': { Event: eventsV1EventPrinter },
  'rbac.authorization.k8s.io': { RoleBinding: roleBindingPrinter, ClusterRoleBinding: clusterRoleBindingPrinter },
  'certificates.k8s.io': { CertificateSigningRequest: certificateSigningRequestPrinter },
  'coordination.k8s.io': { Lease: leasePrinter },
  'storage.k8s.io': {
    StorageClass: storageClassPrinter,
    VolumeAttachment: volumeAttachmentPrinter,
    CSIDriver: csiDriverPrinter,
    CSINode: csiNodePrinter,
    CSIStorageCapacity: csiStorageCapacityPrinter,
  },
  'scheduling.k8s.io': { PriorityClass: priorityClassPrinter },
  'node.k8s.io': { RuntimeClass: runtimeClassPrinter },
  'admissionregistration.k8s.io': {
    MutatingWebhookConfiguration: mutatingWebhookConfigurationPrinter,
    ValidatingWebhookConfiguration: validatingWebhookConfigurationPrinter,
    ValidatingAdmissionPolicy: validatingAdmissionPolicyPrinter,
    ValidatingAdmissionPolicyBinding: validatingAdmissionPolicyBindingPrinter,
  },
  'flowcontrol.apiserver.k8s.io': {
    FlowSchema: flowSchemaPrinter,
    PriorityLevelConfiguration: priorityLevelConfigurationPrinter,
  },
};

/**
 * The printer for a built-in kind, or the default printer (NAME, CREATED AT)
 * for any other. Custom resources use `customColumnsPrinter` with their CRD's
 * columns instead.
 */
export function printerFor(group: string, kind: string): Printer {
  return hasPrinter(group, kind) ? printers[group]![kind]! : defaultPrinter;
}

/** Whether a kind has a dedicated printer (otherwise `printerFor` returns the default). */
export function hasPrinter(group: string, kind: string): boolean {
  return Object.hasOwn(printers, group) && Object.hasOwn(printers[group]!, kind);
}
