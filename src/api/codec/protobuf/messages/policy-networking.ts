import type { PackageSpec } from '../schema.js';

/** k8s.io/api/policy/v1 (package `policy`). Spec syntax: schema.ts. */
export const policyMessages: PackageSpec = {
  PodDisruptionBudget: {
    metadata: '1 meta.ObjectMeta',
    spec: '2 PodDisruptionBudgetSpec',
    status: '3 PodDisruptionBudgetStatus',
  },
  PodDisruptionBudgetSpec: {
    minAvailable: '1 *intstr',
    selector: '2 meta.LabelSelector',
    maxUnavailable: '3 *intstr',
    unhealthyPodEvictionPolicy: '4 *string',
  },
  PodDisruptionBudgetStatus: {
    observedGeneration: '1 int64',
    disruptedPods: '2 map<string,time>',
    disruptionsAllowed: '3 int32!',
    currentHealthy: '4 int32!',
    desiredHealthy: '5 int32!',
    expectedPods: '6 int32!',
    conditions: '7 []meta.Condition',
  },
  Eviction: { metadata: '1 meta.ObjectMeta', deleteOptions: '2 meta.DeleteOptions' },
};

/** k8s.io/api/scheduling/v1 (package `scheduling`). Spec syntax: schema.ts. */
export const schedulingMessages: PackageSpec = {
  PriorityClass: {
    metadata: '1 meta.ObjectMeta',
    value: '2 int32!',
    globalDefault: '3 bool',
    description: '4 string',
    preemptionPolicy: '5 *string',
  },
};

/** k8s.io/api/networking/v1 (package `networking`): Ingress. Spec syntax: schema.ts. */
export const networkingMessages: PackageSpec = {
  Ingress: { metadata: '1 meta.ObjectMeta', spec: '2 IngressSpec', status: '3 IngressStatus' },
  IngressSpec: {
    defaultBackend: '1 IngressBackend',
    tls: '2 []IngressTLS',
    rules: '3 []IngressRule',
    ingressClassName: '4 *string',
  },
  IngressBackend: { resource: '3 core.TypedLocalObjectReference', service: '4 IngressServiceBackend' },
  IngressServiceBackend: { name: '1 string!', port: '2 ServiceBackendPort' },
  ServiceBackendPort: { name: '1 string', number: '2 int32' },
  IngressTLS: { hosts: '1 []string', secretName: '2 string' },
  IngressRule: { host: '1 string', '...': '2 IngressRuleValue' },
  IngressRuleValue: { http: '1 HTTPIngressRuleValue' },
  HTTPIngressRuleValue: { paths: '1 []HTTPIngressPath' },
  HTTPIngressPath: { path: '1 string', backend: '2 IngressBackend', pathType: '3 *string' },
  IngressStatus: { loadBalancer: '1 IngressLoadBalancerStatus' },
  IngressLoadBalancerStatus: { ingress: '1 []IngressLoadBalancerIngress' },
  IngressLoadBalancerIngress: { ip: '1 string', hostname: '2 string', ports: '4 []IngressPortStatus' },
  IngressPortStatus: { port: '1 int32!', protocol: '2 string!', error: '3 *string' },
};

/** k8s.io/api/autoscaling/v1 (package `autoscaling`). Spec syntax: schema.ts. */
export const autoscalingMessages: PackageSpec = {
  HorizontalPodAutoscaler: {
    metadata: '1 meta.ObjectMeta',
    spec: '2 HorizontalPodAutoscalerSpec',
    status: '3 HorizontalPodAutoscalerStatus',
  },
  HorizontalPodAutoscalerSpec: {
    scaleTargetRef: '1 CrossVersionObjectReference',
    minReplicas: '2 *int32',
    maxReplicas: '3 int32!',
    targetCPUUtilizationPercentage: '4 *int32',
  },
  CrossVersionObjectReference: { kind: '1 string!', name: '2 string!', apiVersion: '3 string' },
  HorizontalPodAutoscalerStatus: {
    observedGeneration: '1 *int64',
    lastScaleTime: '2 *time',
    currentReplicas: '3 int32!',
    desiredReplicas: '4 int32!',
    currentCPUUtilizationPercentage: '5 *int32',
  },
  Scale: { metadata: '1 meta.ObjectMeta', spec: '2 ScaleSpec', status: '3 ScaleStatus' },
  ScaleSpec: { replicas: '1 int32' },
  ScaleStatus: { replicas: '1 int32!', selector: '2 string' },
};
