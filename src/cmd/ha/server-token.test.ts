import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  caHash,
  ensureServerToken,
  formatServerToken,
  parseServerToken,
  secretsEqual,
  tokenFromFlags,
} from './server-token.js';

const ca = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const otherCA = '-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n';

test('parseServerToken', () => {
  const hash = caHash(ca);
  const cases: { in: string; want?: ReturnType<typeof parseServerToken>; error?: RegExp }[] = [
    { in: `K10${hash}::server:s3cret`, want: { caHash: hash, username: 'server', password: 's3cret' } },
    { in: `  K10${hash}::server:a:b:c\n`, want: { caHash: hash, username: 'server', password: 'a:b:c' } },
    { in: 'just-a-password', want: { username: 'server', password: 'just-a-password' } },
    { in: 'K10abc::server:x', error: /malformed server token/ },
    { in: `K10${hash}::server:`, error: /malformed server token/ },
    { in: '   ', error: /empty/ },
  ];
  for (const c of cases) {
    if (c.error) assert.throws(() => parseServerToken(c.in), c.error, c.in);
    else assert.deepEqual(parseServerToken(c.in), c.want, c.in);
  }
  assert.equal(formatServerToken(ca, 'pw'), `K10${hash}::server:pw`);
  assert.equal(hash.length, 64);
});

test('secretsEqual', () => {
  assert.equal(secretsEqual('abc', 'abc'), true);
  assert.equal(secretsEqual('abc', 'abd'), false);
  assert.equal(secretsEqual('abc', 'abcd'), false);
  assert.equal(secretsEqual('', ''), true);
});

test('ensureServerToken: generated once (0600), kept, checked against --token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-token-'));
  try {
    const path = join(dir, 'server', 'token');
    const first = ensureServerToken(path, ca);
    assert.match(first, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
    assert.equal(parseServerToken(first).caHash, caHash(ca));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(ensureServerToken(path, ca), first, 'kept across restarts');
    assert.equal(ensureServerToken(path, ca, first), first, 'the same token may be passed again');
    assert.equal(ensureServerToken(path, ca, parseServerToken(first).password), first, 'or just its password');
    assert.throws(() => ensureServerToken(path, ca, 'another'), /differs from the token this server already uses/);
    assert.throws(() => ensureServerToken(path, ca, formatServerToken(otherCA, 'x')), /token of another cluster/);

    const given = join(dir, 'given');
    assert.equal(ensureServerToken(given, ca, 'chosen-password'), formatServerToken(ca, 'chosen-password'));
    assert.equal(readFileSync(given, 'utf8').trim(), formatServerToken(ca, 'chosen-password'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tokenFromFlags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-token-'));
  try {
    const file = join(dir, 't');
    writeFileSync(file, 'from-file\n');
    assert.equal(tokenFromFlags(undefined, file), 'from-file');
    assert.equal(tokenFromFlags('flag', undefined), 'flag');
    assert.equal(tokenFromFlags(undefined, undefined), undefined);
    assert.throws(() => tokenFromFlags('a', file), /either --token or --token-file/);
    assert.throws(() => tokenFromFlags(undefined, join(dir, 'missing')), /cannot read --token-file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
