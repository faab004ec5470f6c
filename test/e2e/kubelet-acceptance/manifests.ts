/**
 * The objects the kubelet acceptance suite applies with `kubectl apply -f -`
 * (the rest it creates with kubectl's own generators: run, create deployment,
 * create job). Every container image is one the server imports at start.
 */
import type { ConfigMap, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { busyboxImage, httpdImage } from '../../../src/node/runtime/index.js';

const pod = (name: string, spec: Pod['spec']): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });

/** `sleep` as PID 1 ignores SIGTERM; this shell exits on it at once, so kills are quick. */
const sleepForever = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

/** Killed by a liveness probe that always fails, so it restarts under crash-loop back-off. */
export const livenessPod = (name: string): Pod =>
  pod(name, {
    containers: [
      {
        name: 'main',
        image: busyboxImage,
        command: sleepForever,
        livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 },
      },
    ],
  });

/** httpd whose readiness follows whether /www/index.html exists. */
export const readinessPod = (name: string): Pod =>
  pod(name, {
    containers: [
      {
        name: 'web',
        image: httpdImage,
        readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
      },
    ],
  });

/**
 * Records the preStop hook, SIGTERM and a heartbeat with /proc/uptime stamps
 * into a hostPath directory that outlives the pod. It ignores SIGTERM (only
 * logs it), so only SIGKILL at the end of the grace period stops it.
 */
export const gracefulPod = (name: string, hostDir: string, graceSeconds: number, preStopSleep: number): Pod =>
  pod(name, {
    terminationGracePeriodSeconds: graceSeconds,
    volumes: [{ name: 'log', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } }],
    containers: [
      {
        name: 'main',
        image: busyboxImage,
        command: [
          'sh',
          '-c',
          // Single quotes: the trap's $(up) must run when the signal comes, not when the trap is set.
          `up() { cut -d" " -f1 /proc/uptime; }; trap 'echo term $(up) >> /log/events' TERM; ` +
            'echo started $(up) >> /log/events; while true; do up >> /log/ticks; sleep 0.2; done',
        ],
        volumeMounts: [{ name: 'log', mountPath: '/log' }],
        lifecycle: {
          preStop: {
            exec: {
              command: ['sh', '-c', `echo prestop $(cut -d" " -f1 /proc/uptime) >> /log/events; sleep ${preStopSleep}`],
            },
          },
        },
      },
    ],
  });

export const appConfig = (greeting: string): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'app-config' },
  data: { greeting },
});

export const appSecret = (token: string): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'app-secret' },
  stringData: { token },
});

/** Mounts app-config at /etc/app and app-secret at /etc/secret. */
export const volumesPod = (name: string): Pod =>
  pod(name, {
    volumes: [
      { name: 'config', configMap: { name: 'app-config' } },
      { name: 'secret', secret: { secretName: 'app-secret' } },
    ],
    containers: [
      {
        name: 'main',
        image: busyboxImage,
        command: sleepForever,
        volumeMounts: [
          { name: 'config', mountPath: '/etc/app' },
          { name: 'secret', mountPath: '/etc/secret', readOnly: true },
        ],
      },
    ],
  });

/** One container with a memory limit (and a smaller request: Burstable). */
export const memoryPod = (name: string, limit: string, request: string): Pod =>
  pod(name, {
    containers: [
      {
        name: 'main',
        image: busyboxImage,
        command: sleepForever,
        resources: { limits: { memory: limit }, requests: { memory: request } },
      },
    ],
  });

/** Prints "start", waits for /tmp/go (created by the test with kubectl exec), prints "done", exits 0. */
export const gatedLoggerCommand = ['sh', '-c', 'echo start; while [ ! -e /tmp/go ]; do sleep 0.2; done; echo done'];

export const sleeperCommand = sleepForever;

/** A List, so several objects go through one `kubectl apply -f -`. */
export const list = (...items: object[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
