/**
 * The pod sandbox the kubelet asks the runtime for (kuberuntime_sandbox.go
 * generatePodSandboxConfig): pod identity and labels, hostname, DNS, host
 * ports, namespaces, the pod cgroup, sysctls and the pod-level user. Built
 * the same way every time, so a restarted kubelet describes an existing
 * sandbox exactly as it was created.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { SandboxSpec } from '../../runtime/index.js';
import { podDnsConfig } from '../container-config/dns.js';
import { sandboxHostname } from '../container-config/hosts.js';
import type { KubeletContext } from './context.js';

export interface SandboxPlan {
  spec: SandboxSpec;
  /** DNS problems to report as events. */
  warnings: { reason: string; message: string }[];
}

export function sandboxPlan(ctx: KubeletContext, pod: Pod): SandboxPlan {
  const spec = pod.spec!;
  const dns = podDnsConfig(pod, {
    clusterDNS: ctx.clusterDNS,
    clusterDomain: ctx.clusterDomain,
    host: ctx.hostDns(),
    nodeIPs: ctx.nodeIPs,
  });
  const psc = spec.securityContext ?? {};
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  const ports = all.flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => (p.hostPort ?? 0) > 0)
      .map((p) => ({
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP',
        hostIp: p.hostIP,
      })),
  );
  const sandbox: SandboxSpec = {
    name: pod.metadata!.name!,
    namespace: pod.metadata!.namespace!,
    uid: pod.metadata!.uid!,
    hostname: sandboxHostname(pod, ctx.clusterDomain),
    labels: { ...pod.metadata?.labels },
    annotations: { ...pod.metadata?.annotations },
    dns: dns.config,
    portMappings: ports,
    hostNetwork: spec.hostNetwork ?? false,
    hostPID: spec.hostPID ?? false,
    hostIPC: spec.hostIPC ?? false,
    shareProcessNamespace: spec.shareProcessNamespace ?? false,
    cgroupParent: ctx.cgroups.parentFor(pod),
    sysctls: Object.fromEntries((psc.sysctls ?? []).map((s) => [s.name, s.value])),
    privileged: all.some((c) => c.securityContext?.privileged),
    supplementalGroups: [...(psc.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc.supplementalGroups ?? [])],
  };
  if (psc.runAsUser !== undefined) sandbox.runAsUser = psc.runAsUser;
  if (psc.runAsGroup !== undefined) sandbox.runAsGroup = psc.runAsGroup;
  return { spec: sandbox, warnings: dns.warnings };
}
