import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from './csv.js';
import { parseTokenFile, StaticTokenAuthenticator } from './token-file.js';

test('CSV reading follows Go encoding/csv', () => {
  const ok: [string, string[][]][] = [
    ['a,b,c\n', [['a', 'b', 'c']]],
    ['a,b,c', [['a', 'b', 'c']]],
    [
      'a,b\r\nc,d\r\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    ['\n\na,b\n\n', [['a', 'b']]],
    ['t,u,1,"g1,g2"\n', [['t', 'u', '1', 'g1,g2']]],
    ['"a ""q"" b",x\n', [['a "q" b', 'x']]],
    ['"multi\nline",x\n', [['multi\nline', 'x']]],
    [' a , b \n', [[' a ', ' b ']]],
    ['a,,\n', [['a', '', '']]],
    ['""\n', [['']]],
  ];
  for (const [input, want] of ok) assert.deepEqual(parseCsv(input), want, JSON.stringify(input));
  for (const bad of ['a"b,c\n', '"a"b,c\n', '"unterminated\n'])
    assert.throws(() => parseCsv(bad), /parse error/, JSON.stringify(bad));
});

test('token files: token,user,uid[,groups]', () => {
  const tokens = parseTokenFile(
    'secret1,alice,1001,"devs,ops"\nsecret2,bob,1002\n,skipped,3\nsecret3,carol,1003,\nsecret1,alice2,1004,x\n',
  );
  assert.deepEqual(tokens, [
    { token: 'secret2', user: { username: 'bob', uid: '1002', groups: [] } },
    { token: 'secret3', user: { username: 'carol', uid: '1003', groups: [''] } },
    { token: 'secret1', user: { username: 'alice2', uid: '1004', groups: ['x'] } },
  ]);
  assert.throws(() => parseTokenFile('tok,user\n', '/etc/tokens.csv'), {
    message: "token file '/etc/tokens.csv' must have at least 3 columns (token, user name, user uid), found 2",
  });
});

test('static token authenticator accepts exactly the listed tokens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-tokens-'));
  try {
    const path = join(dir, 'tokens.csv');
    writeFileSync(path, 'abc,alice,1,"devs,ops"\nlonger-token,bob,2\n');
    const authn = StaticTokenAuthenticator.fromFile(path);
    assert.deepEqual(await authn.authenticateToken('abc'), {
      user: { username: 'alice', uid: '1', groups: ['devs', 'ops'] },
    });
    assert.deepEqual((await authn.authenticateToken('longer-token'))?.user.username, 'bob');
    for (const t of ['ab', 'abcd', 'ABC', '', 'longer-token ', 'longer'])
      assert.equal(await authn.authenticateToken(t), undefined, t);
    // Results are copies: callers cannot change the table.
    (await authn.authenticateToken('abc'))!.user.groups.push('system:masters');
    assert.deepEqual((await authn.authenticateToken('abc'))!.user.groups, ['devs', 'ops']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
