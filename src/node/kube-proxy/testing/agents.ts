/**
 * Small programs run with `node -e` inside test namespaces (a namespace is
 * entered per process, so they cannot be functions of the test process).
 * Kept as plain CommonJS source.
 */
const backend = String.raw`
const net = require('node:net');
const dgram = require('node:dgram');
const [name, tcpPort, udpPort] = process.argv.slice(1);
const strip = (a) => (a && a.startsWith('::ffff:') ? a.slice(7) : a);
const tcp = net.createServer((s) => {
  s.on('error', () => {});
  s.end(name + ' ' + strip(s.remoteAddress) + '\n');
});
const udp = dgram.createSocket('udp4');
udp.on('message', (msg, r) => udp.send(name + ' ' + r.address + '\n', r.port, r.address));
let up = 0;
const ready = () => { if (++up === 2) process.stdout.write('ready\n'); };
tcp.listen(Number(tcpPort), '0.0.0.0', ready);
udp.bind(Number(udpPort), '0.0.0.0', ready);
`;

const client = String.raw`
const net = require('node:net');
const dgram = require('node:dgram');
const spec = JSON.parse(process.argv[1]);
function tcpOnce() {
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const finish = (r) => { if (!done) { done = true; clearTimeout(t); s.destroy(); resolve(r); } };
    const s = net.connect({ host: spec.host, port: spec.port });
    const t = setTimeout(() => finish({ error: 'TIMEOUT' }), spec.timeoutMs);
    s.setEncoding('utf8');
    s.on('data', (d) => { data += d; });
    s.on('end', () => finish(data ? { reply: data.trim() } : { error: 'EMPTY' }));
    s.on('error', (e) => finish(data ? { reply: data.trim() } : { error: e.code || String(e.message) }));
  });
}
let shared;
function udpOnce() {
  return new Promise((resolve) => {
    const sock = spec.sameSocket ? (shared ||= dgram.createSocket('udp4')) : dgram.createSocket('udp4');
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      sock.off('message', onMsg);
      sock.off('error', onErr);
      if (!spec.sameSocket) sock.close();
      resolve(r);
    };
    const onMsg = (m) => finish({ reply: m.toString().trim() });
    const onErr = (e) => finish({ error: e.code || String(e.message) });
    const t = setTimeout(() => finish({ error: 'TIMEOUT' }), spec.timeoutMs);
    sock.on('message', onMsg);
    sock.on('error', onErr);
    sock.send('ping', spec.port, spec.host, (e) => e && onErr(e));
  });
}
(async () => {
  const out = [];
  for (let i = 0; i < spec.count; i++) out.push(await (spec.proto === 'udp' ? udpOnce() : tcpOnce()));
  if (shared) shared.close();
  process.stdout.write(JSON.stringify(out));
})();
`;

export const agentScripts = { backend, client };
