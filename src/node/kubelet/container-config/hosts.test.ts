import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { hostNetworkHostsFile, managedHostsFile, podHostname, sandboxHostname } from './hosts.js';

const pod = (name: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name, namespace: 'ns1' },
  spec: { containers: [], ...spec },
});

test('podHostname: spec.hostname, the pod name cut to 63 characters, subdomain', () => {
  assert.deepEqual(podHostname(pod('web-0'), 'cluster.local'), { hostname: 'web-0', domain: '' });
  assert.deepEqual(podHostname(pod('web-0', { hostname: 'h', subdomain: 'svc' }), 'cluster.local'), {
    hostname: 'h',
    domain: 'svc.ns1.svc.cluster.local',
  });
  const long = `${'a'.repeat(62)}-b`;
  assert.equal(podHostname(pod(long), 'cluster.local').hostname, 'a'.repeat(62));
  assert.equal(sandboxHostname(pod('h', { subdomain: 's', setHostnameAsFQDN: true }), 'c.l'), 'h.s.ns1.svc.c.l');
  assert.throws(() =>
    sandboxHostname(pod('x'.repeat(60), { subdomain: 's', setHostnameAsFQDN: true }), 'cluster.local'),
  );
});

test('managedHostsFile matches the kubelet layout', () => {
  const text = managedHostsFile(['10.244.1.5'], { hostname: 'web-0', domain: 'web.ns1.svc.cluster.local' }, [
    { ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] },
  ]);
  assert.equal(
    text,
    '# Kubernetes-managed hosts file.\n' +
      '127.0.0.1\tlocalhost\n' +
      '::1\tlocalhost ip6-localhost ip6-loopback\n' +
      'fe00::0\tip6-localnet\n' +
      'fe00::0\tip6-mcastprefix\n' +
      'fe00::1\tip6-allnodes\n' +
      'fe00::2\tip6-allrouters\n' +
      '10.244.1.5\tweb-0.web.ns1.svc.cluster.local\tweb-0\n' +
      '\n# Entries added by HostAliases.\n' +
      '10.1.2.3\tfoo.local\tbar.local\n',
  );
  assert.match(managedHostsFile(['10.0.0.1'], { hostname: 'p', domain: '' }), /\n10\.0\.0\.1\tp\n$/);
  assert.equal(
    hostNetworkHostsFile('127.0.0.1 localhost\n'),
    '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n',
  );
});
