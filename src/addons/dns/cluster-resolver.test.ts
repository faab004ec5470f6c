import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ClusterResolver, type Resolution } from './cluster-resolver.js';
import { RCODE, TYPE, type ResourceRecord } from './records.js';
import { ZoneIndex } from './zone-index.js';

const svc = (ns: string, name: string, spec: Service['spec']): Service => ({ metadata: { namespace: ns, name }, spec });

function slice(ns: string, name: string, service: string, s: Partial<EndpointSlice>): EndpointSlice {
  return {
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: [],
    ...s,
  };
}

/** The fixture zone: a ClusterIP (dual-stack), a StatefulSet-style headless service, ExternalNames, odd cases. */
function fixture(): { index: ZoneIndex; resolver: ClusterResolver; upstreamAsked: string[] } {
  const index = new ZoneIndex(() => Date.UTC(2026, 0, 1));
  for (const ns of ['default', 'kube-system', 'shop']) index.upsertNamespace(ns);
  index.upsertService(svc('default', 'kubernetes', { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443 }] }));
  index.upsertService(
    svc('shop', 'web', {
      clusterIP: '10.43.1.10',
      clusterIPs: ['10.43.1.10', 'fd00:43::a'],
      ports: [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    }),
  );
  index.upsertService(svc('shop', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }));
  index.upsertEndpointSlice(
    slice('shop', 'db-abc', 'db', {
      endpoints: [
        { addresses: ['10.42.0.10'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.42.0.11'], hostname: 'db-1' },
        { addresses: ['10.42.0.12'], hostname: 'db-2', conditions: { ready: false } },
      ],
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    }),
  );
  index.upsertService(svc('shop', 'empty', { clusterIP: 'None' }));
  index.upsertService(svc('shop', 'noport', { clusterIP: 'None' }));
  index.upsertEndpointSlice(slice('shop', 'noport-1', 'noport', { endpoints: [{ addresses: ['10.42.0.20'] }] }));
  index.upsertService(svc('shop', 'ext', { type: 'ExternalName', externalName: 'www.example.com.' }));
  index.upsertService(svc('shop', 'alias', { type: 'ExternalName', externalName: 'web.shop.svc.cluster.local' }));
  index.upsertService(svc('shop', 'loop', { type: 'ExternalName', externalName: 'loop.shop.svc.cluster.local' }));
  const upstreamAsked: string[] = [];
  const resolver = new ClusterResolver(index, {
    domain: 'cluster.local',
    nsAddresses: ['10.43.0.10'],
    lookupUpstream: async (name, qtype) => {
      upstreamAsked.push(`${name}/${qtype}`);
      return qtype === TYPE.A ? [{ type: 'A', name, ttl: 300, data: '192.0.2.10' }] : [];
    },
  });
  return { index, resolver, upstreamAsked };
}

const brief = (rs: ResourceRecord[]) =>
  rs.map((r) => `${r.name} ${r.ttl} ${r.type} ${typeof r.data === 'object' ? JSON.stringify(r.data) : r.data}`);

interface Want {
  rcode?: number;
  answers?: string[];
  additionals?: string[];
  forward?: true;
}

async function check(resolver: ClusterResolver, qname: string, qtype: number, want: Want): Promise<void> {
  const res: Resolution = await resolver.resolve(qname, qtype);
  const label = `${qname} ${qtype}`;
  if (want.forward) {
    assert.equal(res.kind, 'forward', label);
    return;
  }
  assert.equal(res.kind, 'answer', label);
  if (res.kind !== 'answer') return;
  assert.equal(res.rcode, want.rcode ?? RCODE.NOERROR, label);
  assert.equal(res.aa, true, label);
  assert.deepEqual(brief(res.answers), want.answers ?? [], label);
  if (want.additionals) assert.deepEqual(brief(res.additionals), want.additionals, label);
  if ((want.answers ?? []).length === 0) {
    // NXDOMAIN and NODATA both carry the zone's SOA, whose TTL and minimum bound negative caching.
    assert.deepEqual(
      res.authorities.map((r) => [r.name, r.type, r.ttl, r.type === 'SOA' ? r.data.minimum : 0]),
      [['cluster.local', 'SOA', 30, 30]],
      label,
    );
  }
}

const NX = { rcode: RCODE.NXDOMAIN };
const NODATA = { rcode: RCODE.NOERROR, answers: [] };
const Z = 'cluster.local';

test('services: ClusterIP A/AAAA/SRV, headless endpoints and per-pod names, NXDOMAIN vs NODATA', async () => {
  const { resolver } = fixture();
  const cases: [string, number, Want][] = [
    [`kubernetes.default.svc.${Z}`, TYPE.A, { answers: [`kubernetes.default.svc.${Z} 5 A 10.43.0.1`] }],
    // Matching is case-insensitive; owner names keep the asker's spelling.
    [`Kubernetes.DEFAULT.svc.${Z}.`, TYPE.A, { answers: [`Kubernetes.DEFAULT.svc.${Z} 5 A 10.43.0.1`] }],
    [`kubernetes.default.svc.${Z}`, TYPE.AAAA, NODATA],
    [`web.shop.svc.${Z}`, TYPE.AAAA, { answers: [`web.shop.svc.${Z} 5 AAAA fd00:43::a`] }],
    [`web.shop.svc.${Z}`, TYPE.MX, NODATA],
    [`web.shop.svc.${Z}`, TYPE.PTR, NODATA],
    [
      `_http._tcp.web.shop.svc.${Z}`,
      TYPE.SRV,
      {
        answers: [
          `_http._tcp.web.shop.svc.${Z} 5 SRV {"priority":0,"weight":50,"port":80,"target":"web.shop.svc.${Z}"}`,
        ],
        additionals: [`web.shop.svc.${Z} 5 A 10.43.1.10`, `web.shop.svc.${Z} 5 AAAA fd00:43::a`],
      },
    ],
    [
      `_dns._udp.web.shop.svc.${Z}`,
      TYPE.SRV,
      {
        answers: [
          `_dns._udp.web.shop.svc.${Z} 5 SRV {"priority":0,"weight":50,"port":53,"target":"web.shop.svc.${Z}"}`,
        ],
      },
    ],
    [`_http._udp.web.shop.svc.${Z}`, TYPE.SRV, NX],
    [`_nope._tcp.web.shop.svc.${Z}`, TYPE.SRV, NX],
    // Without port labels, SRV lists every port (CoreDNS); 2 ports x 2 addresses share the weight.
    [
      `web.shop.svc.${Z}`,
      TYPE.SRV,
      {
        answers: [
          `web.shop.svc.${Z} 5 SRV {"priority":0,"weight":25,"port":80,"target":"web.shop.svc.${Z}"}`,
          `web.shop.svc.${Z} 5 SRV {"priority":0,"weight":25,"port":53,"target":"web.shop.svc.${Z}"}`,
        ],
      },
    ],
    // Headless: the ready endpoints only (db-2 is not ready).
    [`db.shop.svc.${Z}`, TYPE.A, { answers: [`db.shop.svc.${Z} 5 A 10.42.0.10`, `db.shop.svc.${Z} 5 A 10.42.0.11`] }],
    [`db-0.db.shop.svc.${Z}`, TYPE.A, { answers: [`db-0.db.shop.svc.${Z} 5 A 10.42.0.10`] }],
    [`DB-1.db.shop.svc.${Z}`, TYPE.A, { answers: [`DB-1.db.shop.svc.${Z} 5 A 10.42.0.11`] }],
    [`db-0.db.shop.svc.${Z}`, TYPE.AAAA, NODATA],
    [`db-2.db.shop.svc.${Z}`, TYPE.A, NX],
    // An endpoint with a hostname is not also reachable by its dashed address.
    [`10-42-0-10.db.shop.svc.${Z}`, TYPE.A, NX],
    [
      `_pg._tcp.db.shop.svc.${Z}`,
      TYPE.SRV,
      {
        answers: [
          `_pg._tcp.db.shop.svc.${Z} 5 SRV {"priority":0,"weight":50,"port":5432,"target":"db-0.db.shop.svc.${Z}"}`,
          `_pg._tcp.db.shop.svc.${Z} 5 SRV {"priority":0,"weight":50,"port":5432,"target":"db-1.db.shop.svc.${Z}"}`,
        ],
        additionals: [`db-0.db.shop.svc.${Z} 5 A 10.42.0.10`, `db-1.db.shop.svc.${Z} 5 A 10.42.0.11`],
      },
    ],
    [`empty.shop.svc.${Z}`, TYPE.A, NX],
    [`noport.shop.svc.${Z}`, TYPE.A, { answers: [`noport.shop.svc.${Z} 5 A 10.42.0.20`] }],
    [`10-42-0-20.noport.shop.svc.${Z}`, TYPE.A, { answers: [`10-42-0-20.noport.shop.svc.${Z} 5 A 10.42.0.20`] }],
    [`noport.shop.svc.${Z}`, TYPE.SRV, NODATA],
    [`_x._tcp.noport.shop.svc.${Z}`, TYPE.SRV, NX],
    // Names that are not objects.
    [`nope.shop.svc.${Z}`, TYPE.A, NX],
    [`web.nons.svc.${Z}`, TYPE.A, NX],
    [`a.b.c.web.shop.svc.${Z}`, TYPE.A, NX],
    [`web.shop.${Z}`, TYPE.A, NX],
    [`foo.${Z}`, TYPE.A, NX],
    [`shop.svc.${Z}`, TYPE.A, NODATA],
    [`nons.svc.${Z}`, TYPE.A, NX],
    [`svc.${Z}`, TYPE.A, NODATA],
    [`pod.${Z}`, TYPE.A, NODATA],
    [Z, TYPE.A, NODATA],
  ];
  for (const [name, type, want] of cases) await check(resolver, name, type, want);
});

test('ExternalName: CNAME chased upstream or inside the zone; loops and SRV give NODATA', async () => {
  const { resolver, upstreamAsked } = fixture();
  await check(resolver, `ext.shop.svc.${Z}`, TYPE.A, {
    answers: [`ext.shop.svc.${Z} 5 CNAME www.example.com`, 'www.example.com 300 A 192.0.2.10'],
  });
  assert.deepEqual(upstreamAsked, ['www.example.com/1']);
  await check(resolver, `ext.shop.svc.${Z}`, TYPE.CNAME, { answers: [`ext.shop.svc.${Z} 5 CNAME www.example.com`] });
  await check(resolver, `ext.shop.svc.${Z}`, TYPE.SRV, NODATA);
  await check(resolver, `x.ext.shop.svc.${Z}`, TYPE.A, NX);
  await check(resolver, `alias.shop.svc.${Z}`, TYPE.A, {
    answers: [`alias.shop.svc.${Z} 5 CNAME web.shop.svc.${Z}`, `web.shop.svc.${Z} 5 A 10.43.1.10`],
  });
  await check(resolver, `loop.shop.svc.${Z}`, TYPE.A, NODATA);
});

test('pod records (pods insecure), the apex, ns.dns and dns-version', async () => {
  const { resolver } = fixture();
  await check(resolver, `10-42-0-99.shop.pod.${Z}`, TYPE.A, { answers: [`10-42-0-99.shop.pod.${Z} 5 A 10.42.0.99`] });
  await check(resolver, `fd00--99.shop.pod.${Z}`, TYPE.AAAA, { answers: [`fd00--99.shop.pod.${Z} 5 AAAA fd00::99`] });
  await check(resolver, `10-42-0-99.shop.pod.${Z}`, TYPE.AAAA, NODATA);
  await check(resolver, `10-42-0-99.nons.pod.${Z}`, TYPE.A, NX);
  await check(resolver, `not-an-ip.shop.pod.${Z}`, TYPE.A, NX);
  const soa = await resolver.resolve(Z, TYPE.SOA);
  assert.ok(soa.kind === 'answer');
  assert.deepEqual(brief(soa.answers), [
    `${Z} 30 SOA {"mname":"ns.dns.${Z}","rname":"hostmaster.${Z}","serial":${Date.UTC(2026, 0, 1) / 1000},"refresh":7200,"retry":1800,"expire":86400,"minimum":30}`,
  ]);
  await check(resolver, Z, TYPE.NS, {
    answers: [`${Z} 5 NS ns.dns.${Z}`],
    additionals: [`ns.dns.${Z} 5 A 10.43.0.10`],
  });
  await check(resolver, `ns.dns.${Z}`, TYPE.A, { answers: [`ns.dns.${Z} 5 A 10.43.0.10`] });
  await check(resolver, `dns-version.${Z}`, TYPE.TXT, { answers: [`dns-version.${Z} 28800 TXT ["1.1.0"]`] });
  await check(resolver, `dns-version.${Z}`, TYPE.A, NX);
});

test('PTR for service and ready endpoint addresses; other reverse and outside names are forwarded', async () => {
  const { resolver } = fixture();
  await check(resolver, '1.0.43.10.in-addr.arpa', TYPE.PTR, {
    answers: [`1.0.43.10.in-addr.arpa 5 PTR kubernetes.default.svc.${Z}`],
  });
  await check(resolver, '10.0.42.10.in-addr.arpa', TYPE.PTR, {
    answers: [`10.0.42.10.in-addr.arpa 5 PTR db-0.db.shop.svc.${Z}`],
  });
  await check(resolver, '20.0.42.10.in-addr.arpa', TYPE.PTR, {
    answers: [`20.0.42.10.in-addr.arpa 5 PTR 10-42-0-20.noport.shop.svc.${Z}`],
  });
  const v6 = 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.4.0.0.0.0.d.f.ip6.arpa';
  await check(resolver, v6, TYPE.PTR, { answers: [`${v6} 5 PTR web.shop.svc.${Z}`] });
  for (const [name, type] of [
    ['12.0.42.10.in-addr.arpa', TYPE.PTR], // not ready
    ['8.8.8.8.in-addr.arpa', TYPE.PTR],
    ['1.0.43.10.in-addr.arpa', TYPE.A],
    ['42.10.in-addr.arpa', TYPE.PTR],
    ['example.com', TYPE.A],
    ['localhost', TYPE.A],
  ] as const) {
    await check(resolver, name, type, { forward: true });
  }
});

/**
 * A glibc/musl-style stub with `search <ns>.svc.<zone> svc.<zone> <zone>` and
 * `ndots:5`: a name with fewer than 5 dots is tried with each suffix first.
 * Every miss inside the cluster domain must be an authoritative NXDOMAIN, never
 * forwarded, and the first hit must be the intended name.
 */
test('search-path expansion with ndots:5 from a pod in namespace shop', async () => {
  const { resolver } = fixture();
  const search = [`shop.svc.${Z}`, `svc.${Z}`, Z];
  async function stub(name: string): Promise<{ tried: string[]; answeredBy?: string; forwarded?: string }> {
    const dots = name.split('.').length - 1;
    const candidates =
      dots >= 5 ? [name, ...search.map((s) => `${name}.${s}`)] : [...search.map((s) => `${name}.${s}`), name];
    const tried: string[] = [];
    for (const c of candidates) {
      tried.push(c);
      const r = await resolver.resolve(c, TYPE.A);
      if (r.kind === 'forward') return { tried, forwarded: c };
      if (r.rcode === RCODE.NOERROR && r.answers.length > 0) return { tried, answeredBy: c };
      assert.equal(r.rcode, RCODE.NXDOMAIN, `${c} misses with NXDOMAIN`);
    }
    return { tried };
  }
  assert.deepEqual(await stub('web'), { tried: [`web.shop.svc.${Z}`], answeredBy: `web.shop.svc.${Z}` });
  assert.equal((await stub('db-0.db')).answeredBy, `db-0.db.shop.svc.${Z}`);
  const k = await stub('kubernetes.default');
  assert.deepEqual(k.tried, [`kubernetes.default.shop.svc.${Z}`, `kubernetes.default.svc.${Z}`]);
  assert.equal(k.answeredBy, `kubernetes.default.svc.${Z}`);
  assert.equal((await stub('kubernetes.default.svc')).answeredBy, `kubernetes.default.svc.${Z}`);
  const ext = await stub('www.example.com');
  assert.equal(ext.tried.length, 4);
  assert.equal(ext.forwarded, 'www.example.com');
  // The full name has only 4 dots: the three expansions miss (authoritatively) before it is asked as is.
  const full = await stub(`kubernetes.default.svc.${Z}`);
  assert.deepEqual(
    full.tried.slice(0, 3),
    search.map((s) => `kubernetes.default.svc.${Z}.${s}`),
  );
  assert.equal(full.answeredBy, `kubernetes.default.svc.${Z}`);
  // Five dots or more: asked as is first.
  assert.deepEqual((await stub(`_http._tcp.web.shop.svc.${Z}`)).tried, [`_http._tcp.web.shop.svc.${Z}`]);
});

test('the answers follow the index: deletes and readiness changes show at once', async () => {
  const { index, resolver } = fixture();
  index.deleteService('shop', 'web');
  await check(resolver, `web.shop.svc.${Z}`, TYPE.A, NX);
  await check(resolver, '10.1.43.10.in-addr.arpa', TYPE.PTR, { forward: true });
  index.upsertEndpointSlice(
    slice('shop', 'db-abc', 'db', {
      endpoints: [{ addresses: ['10.42.0.12'], hostname: 'db-2', conditions: { ready: true } }],
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    }),
  );
  await check(resolver, `db.shop.svc.${Z}`, TYPE.A, { answers: [`db.shop.svc.${Z} 5 A 10.42.0.12`] });
  await check(resolver, `db-0.db.shop.svc.${Z}`, TYPE.A, NX);
  index.deleteEndpointSlice('shop', 'db-abc');
  await check(resolver, `db.shop.svc.${Z}`, TYPE.A, NX);
  index.deleteNamespace('shop');
  await check(resolver, `10-42-0-1.shop.pod.${Z}`, TYPE.A, NX);
});
