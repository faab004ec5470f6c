import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeDetachedSignature, detachedTokenIsValid } from './jws.js';

// Vectors of upstream's cluster-bootstrap/token/jws tests (computed there with go-jose).
const content = 'Hello from the other side. I must have called a thousand times.';
const secret = 'my voice is my passcode';
const id = 'joshua';

test('detached HS256 signatures match go-jose output', () => {
  const cases: [string, string, string][] = [
    [content, secret, 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8'],
    ['', secret, 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk'],
    [content, '', 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..UfkqvDGiIFxrMnFseDj9LYJOLNrvjW8aHhF71mvvAs8'],
  ];
  for (const [c, s, want] of cases) assert.equal(computeDetachedSignature(c, id, s), want);
});

test('detachedTokenIsValid accepts only the exact signature for content, id and secret', () => {
  const sig = computeDetachedSignature(content, id, secret);
  assert.equal(detachedTokenIsValid(sig, content, id, secret), true);
  assert.equal(detachedTokenIsValid(`${sig}foo`, content, id, secret), false);
  assert.equal(detachedTokenIsValid(sig, `${content}!`, id, secret), false);
  assert.equal(detachedTokenIsValid(sig, content, 'other', secret), false);
  assert.equal(detachedTokenIsValid(sig, content, id, 'wrong secret'), false);
  // A 16-character bootstrap token secret is zero-padded to 32 bytes; longer keys are used as they are.
  const long = 'x'.repeat(40);
  assert.equal(detachedTokenIsValid(computeDetachedSignature('c', 'abcdef', long), 'c', 'abcdef', long), true);
});
