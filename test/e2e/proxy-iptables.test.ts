// kube-proxy in iptables mode (iptables-restore, both the nf_tables and the legacy
// backend) against real netfilter, inside network namespaces this test creates, fed by
// a real API server. Root only; namespaces, rules and processes are removed in `after`.
import type { IptablesBackend } from '../../src/node/kube-proxy/iptables/backend.js';
import { kernelProxySuite } from '../../src/node/kube-proxy/testing/kernel-suite.js';
import type { NetnsTopology } from '../../src/node/kube-proxy/testing/netns-topology.js';
import { startTestCluster } from '../harness/control-plane.js';
import { adminRest } from '../harness/sim.js';

async function save(topo: NetnsTopology, backend: IptablesBackend): Promise<string> {
  return (await topo.runner.run(`iptables-${backend}-save`, [])).stdout;
}

for (const backend of ['nft', 'legacy'] as const) {
  kernelProxySuite({
    name: `kube-proxy e2e: iptables (${backend} backend)`,
    mode: 'iptables',
    iptablesBackend: backend,
    // REJECT is only allowed in input/forward/output: for forwarded traffic the test's
    // unreachable service route answers first (immediately: ICMP is not rate limited there).
    refusal: ['ECONNREFUSED', 'EHOSTUNREACH'],
    api: async () => {
      const c = await startTestCluster({ controllers: [] });
      return { rest: adminRest(c, 'kube-proxy'), dispose: () => c.dispose() };
    },
    rules: (topo) => save(topo, backend),
    leftovers: async (topo) => {
      const text = await save(topo, backend);
      return text
        .split('\n')
        .filter((l) => l.includes('KUBETS'))
        .join('\n');
    },
  });
}
