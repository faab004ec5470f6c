import { HttpTransport, RestClient, defaultUserAgent, loadKubeconfig, resolveKubeconfig } from '../client/index.js';

/** A REST client for CLI commands, from the admin kubeconfig (or $KUBECONFIG). */
export function kubeconfigRest(path: string, component = 'kubets'): RestClient {
  const transport = HttpTransport.fromConfig(resolveKubeconfig(loadKubeconfig(path)), {
    userAgent: defaultUserAgent(component),
  });
  return new RestClient({ transport, qps: 50, burst: 100 });
}
