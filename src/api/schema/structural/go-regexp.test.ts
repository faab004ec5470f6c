import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGoPattern } from './go-regexp.js';

test('Go patterns match like RE2', () => {
  const cases: [string, string, boolean][] = [
    ['^[a-z]+$', 'abc', true],
    ['^[a-z]+$', 'aBc', false],
    ['(?i)^[a-z]+$', 'aBc', true],
    ['\\Aab\\z', 'ab', true],
    ['\\Aab\\z', 'abc', false],
    ['^[[:alpha:]]+[[:digit:]]$', 'abc1', true],
    ['^\\pL+$', 'héllo', true],
    ['^\\pL+$', 'h3llo', false],
    ['(?P<word>\\w+)', 'x', true],
    ['\\Q1.5\\E', '1x5', false],
    ['\\Q1.5\\E', 'v1.5', true],
    ['^\\-\\d+$', '-12', true],
    ['b', 'abc', true],
  ];
  for (const [pattern, value, want] of cases) {
    const c = compileGoPattern(pattern);
    assert.ok(c.re, `${pattern}: ${c.error}`);
    assert.equal(c.re.test(value), want, `${pattern} ~ ${value}`);
  }
});

test('syntax RE2 rejects gets Go error text', () => {
  assert.equal(compileGoPattern('a(?!b)').error, 'error parsing regexp: invalid or unsupported Perl syntax: `(?!`');
  assert.equal(compileGoPattern('(a)\\1').error, 'error parsing regexp: invalid escape sequence: `\\1`');
  assert.equal(compileGoPattern('\\\\1').error, undefined);
  assert.match(compileGoPattern('[a-').error ?? '', /^error parsing regexp: /);
});
