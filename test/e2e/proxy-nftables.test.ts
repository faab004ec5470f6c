// kube-proxy in nftables mode against real netfilter, inside network namespaces this
// test creates (a "node", pod namespaces on its bridge, an external client), fed by a
// real API server. Root only; namespaces, rules and processes are removed in `after`.
import { kernelProxySuite } from '../../src/node/kube-proxy/testing/kernel-suite.js';
import { startTestCluster } from '../harness/control-plane.js';
import { adminRest } from '../harness/sim.js';

kernelProxySuite({
  name: 'kube-proxy e2e: nftables',
  mode: 'nftables',
  // nftables rejects before routing, so even the unreachable service route cannot answer first.
  refusal: ['ECONNREFUSED'],
  api: async () => {
    const c = await startTestCluster({ controllers: [] });
    return { rest: adminRest(c, 'kube-proxy'), dispose: () => c.dispose() };
  },
  rules: async (topo) => (await topo.runner.run('nft', ['list', 'table', 'inet', 'kubets-proxy'])).stdout,
  leftovers: async (topo) => {
    const res = await topo.runner.run('nft', ['list', 'tables']);
    return res.stdout.includes('kubets-proxy') ? res.stdout : '';
  },
});
