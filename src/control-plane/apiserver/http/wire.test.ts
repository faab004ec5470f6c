import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { PassThrough } from 'node:stream';
import { StatusError } from '../../../api/errors/status-error.js';
import { readBody } from './wire.js';

/** A request stand-in: a readable body with headers (all readBody uses). */
function request(headers: Record<string, string> = {}): PassThrough & http.IncomingMessage {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & http.IncomingMessage;
}

test('readBody joins the chunks of a body, and reads an empty one as undefined', async (t) => {
  const cases: { name: string; chunks: string[]; want: string | undefined }[] = [
    { name: 'one chunk', chunks: ['{"a":1}'], want: '{"a":1}' },
    { name: 'several chunks', chunks: ['{"a"', ':', '1}'], want: '{"a":1}' },
    { name: 'empty', chunks: [], want: undefined },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const req = request();
      const body = readBody(req, 1024, 'POST');
      for (const ch of c.chunks) req.write(ch);
      req.end();
      const got = await body;
      assert.equal(got === undefined ? undefined : Buffer.from(got).toString(), c.want);
      assert.equal(req.listenerCount('data'), 0, 'listeners are removed');
    });
  }
});

test('readBody ignores the body of GET and HEAD', async () => {
  for (const method of ['GET', 'HEAD']) {
    const req = request();
    const body = readBody(req, 1024, method);
    req.end('ignored');
    assert.equal(await body, undefined);
  }
});

test('readBody refuses a body over the limit with 413, declared or streamed', async () => {
  const declared = request({ 'content-length': '11' });
  await assert.rejects(readBody(declared, 10, 'POST'), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 413);
    assert.equal(err.message, 'Request entity too large: limit is 10');
    return true;
  });

  const streamed = request();
  const body = readBody(streamed, 10, 'PUT');
  streamed.write('123456');
  streamed.write('789012');
  streamed.end('more');
  await assert.rejects(body, (err: unknown) => err instanceof StatusError && err.code === 413);
  await new Promise((r) => setImmediate(r));
  assert.ok(streamed.readableEnded, 'the rest of the body is drained');
});

test('readBody rejects when the request fails or closes before its end', async () => {
  const failed = request();
  const p1 = readBody(failed, 1024, 'POST');
  failed.write('{"partial"');
  failed.destroy(new Error('connection reset'));
  await assert.rejects(p1, /connection reset/);

  const closed = request();
  const p2 = readBody(closed, 1024, 'POST');
  closed.write('{"partial"');
  closed.destroy();
  await assert.rejects(p2, /Premature close/);
});
