import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiServerCore } from '../../api-server-core.js';
import { resolveServiceEndpoint } from './service-resolver.js';

/** A server whose caches hold exactly `objects` (by plural and ns/name). */
function serverWith(objects: Record<string, Record<string, unknown>>): ApiServerCore {
  return {
    resource: (_g: string, _v: string, plural: string) => ({
      store: {
        deps: {
          keyFor: (ns: string, name: string) => `${ns}/${name}`,
          cache: { get: (key: string) => (objects[plural]?.[key] ? { object: objects[plural][key] } : undefined) },
        },
      },
    }),
  } as unknown as ApiServerCore;
}

const svc = { spec: { ports: [{ name: 'https', port: 443, targetPort: 9443 }] } };
const eps = {
  subsets: [
    {
      addresses: [{ ip: '127.0.0.1' }],
      ports: [
        { name: 'metrics', port: 8080 },
        { name: 'https', port: 9443 },
      ],
    },
  ],
};

test('a service reference resolves to the ready endpoint of the named service port', () => {
  const s = serverWith({ services: { 'ns/conv': svc }, endpoints: { 'ns/conv': eps } });
  assert.equal(resolveServiceEndpoint(s, 'ns', 'conv', 443), 'https://127.0.0.1:9443');
});

test('without ready endpoints the service DNS name is used', () => {
  const s = serverWith({ services: { 'ns/conv': svc } });
  assert.equal(resolveServiceEndpoint(s, 'ns', 'conv', 443), 'https://conv.ns.svc:443');
});
