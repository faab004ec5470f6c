import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addressFromPodLabel,
  addressFromReverse,
  canonicalIP,
  dashedAddress,
  normalizeName,
  relativeTo,
  reverseName,
} from './names.js';

test('canonicalIP: IPv4 as is, IPv6 per RFC 5952, junk rejected', () => {
  const cases: [string, string | undefined][] = [
    ['10.0.0.1', '10.0.0.1'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    ['::', '::'],
    ['::1', '::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['::ffff:10.1.2.3', '::ffff:a01:203'],
    ['01.2.3.4', undefined],
    ['1::2::3', undefined],
    ['hello', undefined],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIP(input), want, input);
});

test('reverse names round-trip for both families; partial names are not addresses', () => {
  assert.equal(reverseName('10.43.0.1'), '1.0.43.10.in-addr.arpa');
  assert.equal(addressFromReverse('1.0.43.10.in-addr.arpa'), '10.43.0.1');
  const v6 = reverseName('fd00::a:1');
  assert.equal(v6, '1.0.0.0.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa');
  assert.equal(addressFromReverse(v6), 'fd00::a:1');
  for (const partial of ['43.10.in-addr.arpa', 'in-addr.arpa', '256.0.43.10.in-addr.arpa', '01.0.43.10.in-addr.arpa']) {
    assert.equal(addressFromReverse(partial), undefined, partial);
  }
  assert.equal(addressFromReverse('1.0.0.10.example.com'), undefined);
});

test('pod labels: three dashes read as IPv4, other dashes as IPv6 colons', () => {
  assert.equal(addressFromPodLabel('10-42-0-5'), '10.42.0.5');
  assert.equal(addressFromPodLabel('fd00--5'), 'fd00::5');
  assert.equal(addressFromPodLabel('10-42-0-300'), undefined);
  assert.equal(addressFromPodLabel('my-pod'), undefined);
  assert.equal(dashedAddress('10.42.0.5'), '10-42-0-5');
  assert.equal(dashedAddress('fd00::5'), 'fd00--5');
});

test('relativeTo and normalizeName', () => {
  assert.equal(normalizeName('Web.Default.SVC.cluster.local.'), 'web.default.svc.cluster.local');
  assert.equal(relativeTo('web.default.svc.cluster.local', 'cluster.local'), 'web.default.svc');
  assert.equal(relativeTo('cluster.local', 'cluster.local'), '');
  assert.equal(relativeTo('xcluster.local', 'cluster.local'), undefined);
  assert.equal(relativeTo('example.com', 'cluster.local'), undefined);
});
