/**
 * The workload of the networking acceptance test: a StatefulSet `web` of two
 * httpd pods (the local test image, :8080) whose pages name the pod that
 * served them, a readiness probe on /tmp/ready (remove the file to fail it),
 * and the Services in front of them: `web` (ClusterIP, named port http 80),
 * `web-hl` (headless, the StatefulSet's governing service), `web-np`
 * (NodePort 30080), `web-sticky` (sessionAffinity ClientIP) and `ext`
 * (ExternalName to `web`'s cluster name, so resolving it never leaves the
 * cluster zone). Plus a busybox `client` pod to run requests from.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { busyboxImage, httpdImage } from '../../../src/node/runtime/images/test-images.js';
import type { NetnsServer } from './netns-server.js';

export const nodePort = 30080;

export const webManifests = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web-hl
  replicas: 2
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      # httpd as PID 1 ignores SIGTERM: keep scale-down short.
      terminationGracePeriodSeconds: 2
      containers:
      - name: httpd
        image: ${httpdImage}
        command: [sh, -c, 'echo "backend $(hostname)" > /www/index.html && touch /tmp/ready && exec httpd -f -p 8080 -h /www']
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          exec: {command: [test, -f, /tmp/ready]}
          periodSeconds: 1
          failureThreshold: 1
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-hl}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: ${nodePort}}]
---
apiVersion: v1
kind: Service
metadata: {name: web-sticky}
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: web.default.svc.cluster.local
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: ${busyboxImage}
    command: [sh, -c, 'trap "exit 0" TERM; sleep 3600 & wait']
`;

export async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const isReady = (p: Pod) =>
  p.status?.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

export async function pods(s: NetnsServer): Promise<Pod[]> {
  return (JSON.parse(await s.ok(['get', 'pods', '-o', 'json'])) as { items: Pod[] }).items;
}

/** Applies the workload; resolves with pod name -> IP once web-0, web-1 and client are Ready. */
export async function deployWeb(s: NetnsServer): Promise<Map<string, string>> {
  // The default ServiceAccount comes from a controller; pods are refused until it exists.
  await poll('the default ServiceAccount', async () =>
    (await s.kubectl(['get', 'serviceaccount', 'default'])).code === 0 ? true : undefined,
  );
  await s.ok(['apply', '-f', '-'], { stdin: webManifests });
  return poll(
    'web-0, web-1 and client Ready',
    async () => {
      const ready = (await pods(s)).filter(isReady);
      const ips = new Map(ready.map((p) => [p.metadata!.name!, p.status!.podIP!]));
      return ['web-0', 'web-1', 'client'].every((n) => ips.has(n)) ? ips : undefined;
    },
    180_000,
  );
}
