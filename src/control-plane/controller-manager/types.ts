import type { EventRecorder, RestClient, SharedInformerFactory } from '../../client/index.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';

/** Compiled controller-manager settings (defaults mirror kube-controller-manager). */
export interface ControllerManagerConfig {
  /** Pod CIDR nodes get /24s from (node IPAM). */
  clusterCIDR: string;
  serviceCIDR: string;
  /** Per-node pod CIDR mask size (default 24). */
  nodeCIDRMaskSize: number;
  /** A node whose Lease is not renewed for this long becomes Ready=Unknown (default 40 s). */
  nodeMonitorGracePeriodMs: number;
  /** How often node health is checked (default 5 s). */
  nodeMonitorPeriodMs: number;
  /** Terminated pods kept before pod GC deletes the oldest (default 12,500). */
  terminatedPodGCThreshold: number;
  /** Concurrent reconcile workers per controller (default 5; upstream varies per controller). */
  workers: number;
  /** PEM of the cluster CA, published as `kube-root-ca.crt` in every namespace. */
  rootCAPEM?: string;
  /** Key material and limits of the `csrsigning` controller (upstream `--cluster-signing-*`). */
  csrSigning?: CSRSigningConfig;
  /**
   * `csrapproving` also approves `kubernetes.io/kubelet-serving` CSRs a node
   * makes for its own name and addresses (upstream approves none; kubets
   * server turns this on so joining agents get serving certificates unattended).
   */
  approveKubeletServingCSRs?: boolean;
}

/** A CA certificate and its private key, PEM. */
export interface SignerKeyPair {
  certPEM: string;
  keyPEM: string;
}

export interface CSRSigningConfig {
  /** Signs `kubernetes.io/kube-apiserver-client` and `kubernetes.io/kube-apiserver-client-kubelet` (the CA the apiserver trusts for client certificates). */
  clientCA?: SignerKeyPair;
  /** Signs `kubernetes.io/kubelet-serving`. */
  servingCA?: SignerKeyPair;
  /** Longest lifetime of an issued certificate (`--cluster-signing-duration`, default 1 year). */
  durationMs?: number;
}

export const defaultControllerManagerConfig: ControllerManagerConfig = {
  clusterCIDR: '10.42.0.0/16',
  serviceCIDR: '10.43.0.0/16',
  nodeCIDRMaskSize: 24,
  nodeMonitorGracePeriodMs: 40_000,
  nodeMonitorPeriodMs: 5_000,
  terminatedPodGCThreshold: 12_500,
  workers: 5,
};

/**
 * What every controller gets: a rate-limited REST client, the shared informer
 * factory (one informer per resource for the whole process), an event recorder
 * per component, time, logging, and the stop signal.
 */
export interface ControllerContext {
  rest: RestClient;
  informers: SharedInformerFactory;
  recorder(component: string): EventRecorder;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  config: ControllerManagerConfig;
}

/** A controller compiled into the controller-manager (`--controllers=*,-foo` selects by name). */
export interface ControllerDescriptor {
  /** Name as in kube-controller-manager's `--controllers` flag, e.g. `deployment`, `garbage-collector`. */
  name: string;
  /**
   * The kube-system ServiceAccount whose `system:controller:<sa>` role the
   * controller's writes run as (upstream `--use-service-account-credentials`),
   * e.g. `generic-garbage-collector`. Reads go through the shared informers.
   */
  serviceAccount?: string;
  enabledByDefault: boolean;
  /**
   * Starts the controller: registers informers/handlers synchronously (before
   * the factory starts), and returns a promise that resolves when the controller
   * has stopped after `ctx.signal` aborts.
   */
  start(ctx: ControllerContext): Promise<void>;
}
