/**
 * A Pod spec and status that exercise most of core/v1's pod surface (every
 * volume source kubectl users commonly write, probes, security contexts,
 * affinity, topology spread, v1.31–1.32 fields), for the round-trip and fuzz
 * tests. JSON shape as stored: no zero values on omitempty fields.
 */
type Obj = Record<string, unknown>;

const container: Obj = {
  name: 'web',
  image: 'nginx:1.27',
  command: ['/bin/sh', '-c'],
  args: ['exec nginx -g "daemon off;"'],
  workingDir: '/srv',
  ports: [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { containerPort: 9090, hostPort: 9090, hostIP: '127.0.0.1', protocol: 'UDP' },
  ],
  envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg', optional: true } }, { secretRef: { name: 'sec' } }],
  env: [
    { name: 'PLAIN', value: 'x' },
    { name: 'EMPTY' },
    { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'CPU', valueFrom: { resourceFieldRef: { containerName: 'web', resource: 'limits.cpu', divisor: '1m' } } },
    { name: 'K', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k', optional: false } } },
    { name: 'S', valueFrom: { secretKeyRef: { name: 'sec', key: 's' } } },
  ],
  resources: {
    limits: { cpu: '500m', memory: '256Mi', 'nvidia.com/gpu': '1' },
    requests: { cpu: '100m', memory: '128Mi' },
    claims: [{ name: 'gpu', request: 'one' }],
  },
  resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
  volumeMounts: [
    {
      name: 'cfg',
      mountPath: '/etc/cfg',
      readOnly: true,
      subPath: 'x',
      mountPropagation: 'None',
      recursiveReadOnly: 'Disabled',
    },
  ],
  volumeDevices: [{ name: 'raw', devicePath: '/dev/xvda' }],
  livenessProbe: {
    httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X', value: 'y' }] },
    initialDelaySeconds: 5,
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
    terminationGracePeriodSeconds: 0,
  },
  readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
  startupProbe: { grpc: { port: 9090, service: '' }, failureThreshold: 30 },
  lifecycle: {
    postStart: { exec: { command: ['touch', '/tmp/started'] } },
    preStop: { sleep: { seconds: 5 } },
  },
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  imagePullPolicy: 'IfNotPresent',
  securityContext: {
    capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
    privileged: false,
    seLinuxOptions: { level: 's0:c1,c2' },
    windowsOptions: { runAsUserName: 'web' },
    runAsUser: 1000,
    runAsGroup: 0,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    procMount: 'Default',
    seccompProfile: { type: 'RuntimeDefault' },
    appArmorProfile: { type: 'Localhost', localhostProfile: 'web' },
  },
  stdin: true,
  stdinOnce: true,
  tty: true,
};

export const samplePodSpec: Obj = {
  volumes: [
    {
      name: 'cfg',
      configMap: { name: 'cfg', items: [{ key: 'a', path: 'a.txt', mode: 0o600 }], defaultMode: 420, optional: true },
    },
    { name: 'sec', secret: { secretName: 'sec', defaultMode: 256 } },
    { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
    { name: 'nfs', nfs: { server: 'nfs.local', path: '/export' } },
    { name: 'dapi', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    {
      name: 'proj',
      projected: {
        sources: [
          { serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } },
          { configMap: { name: 'ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { secret: { name: 'sec', optional: false } },
          { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          { clusterTrustBundle: { signerName: 'example.com/signer', labelSelector: {}, path: 'bundle.pem' } },
        ],
        defaultMode: 420,
      },
    },
    {
      name: 'csi',
      csi: {
        driver: 'csi.example.com',
        readOnly: true,
        volumeAttributes: { size: '1G' },
        nodePublishSecretRef: { name: 's' },
      },
    },
    {
      name: 'eph',
      ephemeral: {
        volumeClaimTemplate: {
          metadata: { labels: { tier: 'scratch' } },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: 'fast',
            resources: { requests: { storage: '1Gi' } },
          },
        },
      },
    },
    { name: 'img', image: { reference: 'registry.local/data:1', pullPolicy: 'IfNotPresent' } },
    { name: 'iscsi', iscsi: { targetPortal: '10.0.0.1:3260', iqn: 'iqn.x', lun: 0, readOnly: true } },
  ],
  initContainers: [{ name: 'init', image: 'busybox', command: ['true'], restartPolicy: 'Always' }],
  containers: [container, { name: 'sidecar', image: 'envoy' }],
  ephemeralContainers: [{ name: 'debug', image: 'busybox', stdin: true, targetContainerName: 'web' }],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  activeDeadlineSeconds: 600,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  serviceAccountName: 'web',
  serviceAccount: 'web',
  automountServiceAccountToken: false,
  nodeName: 'node-1',
  hostNetwork: true,
  shareProcessNamespace: true,
  securityContext: {
    runAsUser: 1000,
    runAsNonRoot: true,
    supplementalGroups: [1000, 2000],
    supplementalGroupsPolicy: 'Merge',
    fsGroup: 2000,
    fsGroupChangePolicy: 'OnRootMismatch',
    sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
    seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/web.json' },
    seLinuxChangePolicy: 'Recursive',
  },
  imagePullSecrets: [{ name: 'regcred' }],
  hostname: 'web-0',
  subdomain: 'web',
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 10, preference: { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] } },
      ],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
            topologyKey: 'kubernetes.io/hostname',
            namespaces: ['default'],
            matchLabelKeys: ['pod-template-hash'],
          },
        },
      ],
    },
  },
  schedulerName: 'default-scheduler',
  tolerations: [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { operator: 'Exists' },
  ],
  hostAliases: [{ ip: '127.0.0.1', hostnames: ['local'] }],
  priorityClassName: 'high',
  priority: 1000,
  dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc.cluster.local'], options: [{ name: 'ndots', value: '2' }] },
  readinessGates: [{ conditionType: 'example.com/ready' }],
  runtimeClassName: 'runc',
  enableServiceLinks: false,
  preemptionPolicy: 'PreemptLowerPriority',
  overhead: { cpu: '10m' },
  topologySpreadConstraints: [
    {
      maxSkew: 1,
      topologyKey: 'zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { app: 'web' } },
      minDomains: 2,
      nodeAffinityPolicy: 'Honor',
      nodeTaintsPolicy: 'Ignore',
      matchLabelKeys: ['pod-template-hash'],
    },
  ],
  setHostnameAsFQDN: false,
  os: { name: 'linux' },
  hostUsers: false,
  schedulingGates: [{ name: 'example.com/gate' }],
  resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'gpu-template' }],
  resources: { limits: { cpu: '2' } },
};

export const samplePodStatus: Obj = {
  phase: 'Running',
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      lastProbeTime: '2026-01-01T00:00:05Z',
      lastTransitionTime: '2026-01-01T00:00:05Z',
    },
    {
      type: 'PodScheduled',
      status: 'True',
      reason: 'Scheduled',
      message: 'ok',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    },
  ],
  hostIP: '10.0.0.5',
  hostIPs: [{ ip: '10.0.0.5' }],
  podIP: '10.42.0.7',
  podIPs: [{ ip: '10.42.0.7' }, { ip: 'fd00::7' }],
  startTime: '2026-01-01T00:00:01Z',
  qosClass: 'Burstable',
  containerStatuses: [
    {
      name: 'web',
      state: { running: { startedAt: '2026-01-01T00:00:03Z' } },
      lastState: {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: '2025-12-31T23:00:00Z',
          finishedAt: '2025-12-31T23:59:59Z',
          containerID: 'containerd://a',
        },
      },
      ready: false,
      restartCount: 0,
      image: 'nginx:1.27',
      imageID: '',
      containerID: 'containerd://b',
      started: true,
      allocatedResources: { cpu: '100m' },
      resources: { requests: { cpu: '100m' } },
      volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true, recursiveReadOnly: 'Disabled' }],
      user: { linux: { uid: 0, gid: 0, supplementalGroups: [1000] } },
      allocatedResourcesStatus: [{ name: 'claim:gpu', resources: [{ resourceID: 'gpu-0', health: 'Healthy' }] }],
    },
  ],
  initContainerStatuses: [
    {
      name: 'init',
      state: { waiting: { reason: 'PodInitializing' } },
      lastState: {},
      ready: false,
      restartCount: 2,
      image: 'busybox',
      imageID: 'sha256:abc',
    },
  ],
  resourceClaimStatuses: [{ name: 'gpu', resourceClaimName: 'web-gpu-x' }],
};
