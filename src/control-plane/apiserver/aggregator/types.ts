/**
 * apiregistration.k8s.io/v1 APIService, the fields the aggregator uses
 * (kubernetes-types does not carry the kube-aggregator types).
 */
export interface APIServiceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface APIService {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; resourceVersion?: string; [k: string]: unknown };
  spec?: {
    service?: { namespace?: string; name?: string; port?: number } | null;
    group?: string;
    version?: string;
    insecureSkipTLSVerify?: boolean;
    /** PEM bundle, base64 on the wire. */
    caBundle?: string;
    groupPriorityMinimum?: number;
    versionPriority?: number;
  };
  status?: { conditions?: APIServiceCondition[] };
}

/** One entry of a legacy APIResourceList (`/apis/<g>/<v>`). */
export interface APIResourceEntry {
  name: string;
  singularName?: string;
  namespaced?: boolean;
  group?: string;
  version?: string;
  kind?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}

/** An aggregated group-version as discovery shows it. */
export interface RemoteGroupVersion {
  group: string;
  version: string;
  groupPriorityMinimum: number;
  versionPriority: number;
  /** The extension server's resource list, when it has been fetched. */
  resources: APIResourceEntry[];
  /** The last discovery fetch failed (aggregated discovery freshness `Stale`). */
  stale: boolean;
}

export const availableCondition = 'Available';

export function availableOf(s: APIService): APIServiceCondition | undefined {
  return s.status?.conditions?.find((c) => c.type === availableCondition);
}
