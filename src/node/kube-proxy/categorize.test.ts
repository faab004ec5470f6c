import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceSpec } from 'kubernetes-types/core/v1.js';
import { categorizeEndpoints } from './categorize.js';
import { type EpSpec, portOf, service } from './testing/objects.js';

interface Case {
  name: string;
  spec?: Partial<ServiceSpec>;
  eps: EpSpec[];
  cluster: string[];
  local: string[];
  all: string[];
  hasAny: boolean;
}

const ready = (ip: string, node = 'node-1'): EpSpec => ({ ip, node });
const terminating = (ip: string, node = 'node-1', serving = true): EpSpec => ({
  ip,
  node,
  ready: false,
  serving,
  terminating: true,
});
const nodePortLocal: Partial<ServiceSpec> = {
  type: 'NodePort',
  externalTrafficPolicy: 'Local',
  ports: [{ name: 'http', port: 80, nodePort: 30000 }],
};

const cases: Case[] = [
  {
    name: 'ready endpoints',
    eps: [ready('1.0.0.1'), ready('1.0.0.2', 'n2')],
    cluster: ['1.0.0.1', '1.0.0.2'],
    local: [],
    all: ['1.0.0.1', '1.0.0.2'],
    hasAny: true,
  },
  {
    name: 'terminating ignored while something is ready',
    eps: [ready('1.0.0.1'), terminating('1.0.0.2')],
    cluster: ['1.0.0.1'],
    local: [],
    all: ['1.0.0.1'],
    hasAny: true,
  },
  {
    name: 'serving terminating endpoints when none is ready',
    eps: [terminating('1.0.0.1'), terminating('1.0.0.2', 'n2', false)],
    cluster: ['1.0.0.1'],
    local: [],
    all: ['1.0.0.1'],
    hasAny: true,
  },
  {
    name: 'not ready, not terminating: nothing',
    eps: [{ ip: '1.0.0.1', ready: false }],
    cluster: [],
    local: [],
    all: [],
    hasAny: false,
  },
  {
    name: 'internalTrafficPolicy Local uses this node only',
    spec: { internalTrafficPolicy: 'Local' },
    eps: [ready('1.0.0.1'), ready('1.0.0.2', 'n2')],
    cluster: [],
    local: ['1.0.0.1'],
    all: ['1.0.0.1'],
    hasAny: true,
  },
  {
    name: 'internalTrafficPolicy Local with endpoints only elsewhere',
    spec: { internalTrafficPolicy: 'Local' },
    eps: [ready('1.0.0.2', 'n2')],
    cluster: [],
    local: [],
    all: [],
    hasAny: true,
  },
  {
    name: 'externalTrafficPolicy Local needs both lists',
    spec: nodePortLocal,
    eps: [ready('1.0.0.1'), ready('1.0.0.2', 'n2')],
    cluster: ['1.0.0.1', '1.0.0.2'],
    local: ['1.0.0.1'],
    all: ['1.0.0.1', '1.0.0.2'],
    hasAny: true,
  },
  {
    name: 'local fallback to terminating merges into the reachable set',
    spec: nodePortLocal,
    eps: [terminating('1.0.0.1'), ready('1.0.0.2', 'n2')],
    cluster: ['1.0.0.2'],
    local: ['1.0.0.1'],
    all: ['1.0.0.1', '1.0.0.2'],
    hasAny: true,
  },
];

test('categorizeEndpoints follows upstream CategorizeEndpoints (without topology hints)', () => {
  for (const c of cases) {
    const { sp, endpoints } = portOf(service('s', c.spec), c.eps);
    const got = categorizeEndpoints(sp, endpoints);
    const ips = (xs: { ip: string }[]) => xs.map((e) => e.ip);
    assert.deepEqual(ips(got.cluster), c.cluster, `${c.name}: cluster`);
    assert.deepEqual(ips(got.local), c.local, `${c.name}: local`);
    assert.deepEqual(ips(got.allReachable), c.all, `${c.name}: allReachable`);
    assert.equal(got.hasAny, c.hasAny, `${c.name}: hasAny`);
  }
});
