import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CelEnvironment } from './environment.js';
import { CelBudgetError, CelEvalError } from './errors.js';
import { fromCelValue, toCelValue } from './values.js';

const env = CelEnvironment.for(['object', 'oldObject', 'params']);
const deployment = {
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
  spec: { replicas: 6, ratio: 0.5, tags: ['b', 'a'], ports: [80, 443, 8080], nothing: null },
};

function run(expr: string, activation: Record<string, unknown> = {}): unknown {
  const c = env.compile(expr);
  if (c.error !== undefined) throw new Error(`compile: ${c.error}`);
  return c.program.evaluate({ object: null, oldObject: null, params: null, ...activation });
}

const evaluations: { expr: string; want: unknown }[] = [
  { expr: 'object.spec.replicas > 5', want: true },
  { expr: 'object.spec.replicas <= 5', want: false },
  { expr: 'object.spec.replicas + 1', want: 7n },
  { expr: 'object.spec.ratio * 2.0', want: 1 },
  { expr: 'has(object.spec.replicas)', want: true },
  { expr: 'has(object.spec.missing)', want: false },
  { expr: 'oldObject == null', want: true },
  { expr: 'object.metadata.labels.app == "web"', want: true },
  { expr: '"tier" in object.metadata.labels', want: true },
  { expr: 'object.spec.ports.all(p, p > 0)', want: true },
  { expr: 'object.spec.ports.exists(p, p == 443)', want: true },
  { expr: 'object.spec.ports.map(p, p * 2)', want: [160n, 886n, 16160n] },
  { expr: 'object.?spec.?absent.orValue("dflt")', want: 'dflt' },
  // strings
  { expr: '"AbC".lowerAscii()', want: 'abc' },
  { expr: '"AbC".upperAscii()', want: 'ABC' },
  { expr: '"a-b-c".replace("-", "+")', want: 'a+b+c' },
  { expr: '"a-b-c".replace("-", "+", 1)', want: 'a+b-c' },
  { expr: '"ab".replace("", "_")', want: '_a_b_' },
  { expr: '"ab".replace("", "_", 2)', want: '_a_b' },
  { expr: '"a,b,c".split(",")', want: ['a', 'b', 'c'] },
  { expr: '["x", "y"].join("/")', want: 'x/y' },
  { expr: '"  pad ".trim()', want: 'pad' },
  { expr: '"hello".indexOf("l")', want: 2n },
  { expr: '"hello".lastIndexOf("l")', want: 3n },
  { expr: '"hello".substring(1, 3)', want: 'el' },
  { expr: '"hello".charAt(1)', want: 'e' },
  { expr: '"abc".reverse()', want: 'cba' },
  { expr: '"%s has %d replicas".format([dyn("web"), dyn(3)])', want: 'web has 3 replicas' },
  { expr: '"%.2f".format([1.5])', want: '1.50' },
  // lists
  { expr: '[1, 2, 3].isSorted()', want: true },
  { expr: 'object.spec.tags.isSorted()', want: false },
  { expr: 'object.spec.ports.sum()', want: 8603n },
  { expr: '[1.5, 2.5].sum()', want: 4 },
  { expr: 'object.spec.ports.min()', want: 80n },
  { expr: 'object.spec.ports.max()', want: 8080n },
  { expr: 'object.spec.ports.indexOf(443)', want: 1n },
  { expr: '[1, 2, 1].lastIndexOf(1)', want: 2n },
  { expr: '[1, 2, 3].indexOf(9)', want: -1n },
  { expr: '[1, 2, 3, 4].slice(1, 3)', want: [2n, 3n] },
  // regex
  { expr: '"abc 123 def 456".find("[0-9]+")', want: '123' },
  { expr: '"abc 123 def 456".findAll("[0-9]+")', want: ['123', '456'] },
  { expr: '"a1b2c3".findAll("[0-9]", 2)', want: ['1', '2'] },
  { expr: '"nope".find("[0-9]+")', want: '' },
  { expr: '"web-1".matches("^[a-z]+-[0-9]$")', want: true },
  // quantity
  { expr: 'quantity("1Gi").isGreaterThan(quantity("1G"))', want: true },
  { expr: 'quantity("500m").isLessThan(quantity("1"))', want: true },
  { expr: 'quantity("1Gi").compareTo(quantity("1024Mi"))', want: 0n },
  { expr: 'quantity("1Gi") == quantity("1024Mi")', want: true },
  { expr: 'quantity("1").add(quantity("500m")).asApproximateFloat()', want: 1.5 },
  { expr: 'quantity("2").add(3).asInteger()', want: 5n },
  { expr: 'quantity("2").sub(quantity("500m")).isInteger()', want: false },
  { expr: 'quantity("10k").asInteger()', want: 10000n },
  { expr: 'isQuantity("1Gi")', want: true },
  { expr: 'isQuantity("1.2.3")', want: false },
  { expr: 'quantity("-1").sign()', want: -1n },
  // url
  { expr: 'url("https://example.com:8443/a/b?x=1").getHost()', want: 'example.com:8443' },
  { expr: 'url("https://example.com:8443/a").getPort()', want: '8443' },
  { expr: 'url("https://example.com/a/b").getEscapedPath()', want: '/a/b' },
  { expr: 'url("https://example.com/?k=v&k=w").getQuery()', want: { k: ['v', 'w'] } },
  { expr: 'isURL("not a url")', want: false },
  { expr: 'isURL("/just/a/path")', want: true },
  // params
  { expr: 'params.data.max == "5"', want: true },
];

for (const { expr, want } of evaluations) {
  test(`evaluates ${expr}`, () => {
    const got = run(expr, { object: toCelValue(deployment), params: toCelValue({ data: { max: '5' } }) });
    assert.deepEqual(got, want);
  });
}

const runtimeErrors: { expr: string; match: RegExp }[] = [
  { expr: 'object.spec.missing > 1', match: /no such key: missing/ },
  { expr: 'object.spec.replicas / 0', match: /division by zero/ },
  { expr: 'quantity("abc")', match: /quantities must match the regular expression/ },
  { expr: 'quantity("1.5").asInteger()', match: /cannot convert value to integer/ },
  { expr: '[].max()', match: /max called on empty list/ },
  { expr: '"x".find("(")', match: /error parsing regexp/ },
  { expr: 'url("nope")', match: /URL parse error/ },
];

for (const { expr, match } of runtimeErrors) {
  test(`evaluation error: ${expr}`, () => {
    assert.throws(
      () => run(expr, { object: toCelValue(deployment) }),
      (err: unknown) => err instanceof CelEvalError && match.test(err.message),
    );
  });
}

const compileErrors: { expr: string; want?: 'bool' | 'string'; match: RegExp }[] = [
  { expr: 'object.spec.replicas >', match: /^ERROR: <input>:1:\d+: .+\n \| object\.spec\.replicas >\n \| \.*\^$/ },
  { expr: 'foo == 1', match: /^ERROR: <input>:1:1: undeclared reference to 'foo' \(in container ''\)/ },
  { expr: '["a", 1]', match: /List elements must have the same type/ },
  { expr: '1 + "a"', match: /^ERROR: <input>:1:1: no such overload/ },
  { expr: '"a" + "b"', want: 'bool', match: /^cel expression must evaluate to a bool$/ },
  { expr: '1 == 1', want: 'string', match: /^cel expression must evaluate to a string$/ },
];

for (const { expr, want, match } of compileErrors) {
  test(`compile error: ${expr}`, () => {
    const c = env.compile(expr, want);
    assert.equal(c.program, undefined);
    assert.match(c.error ?? '', match);
  });
}

test('compiled programs are cached per expression', () => {
  const a = env.compile('object.spec.replicas > 1', 'bool');
  const b = env.compile('object.spec.replicas > 1', 'bool');
  assert.ok(a.program);
  assert.equal(a.program, b.program);
});

test('an expression larger than the AST limit does not compile', () => {
  const big = Array.from({ length: 6000 }, (_, i) => `${i}`).join(' + ');
  const c = env.compile(big);
  assert.ok(c.error);
});

test('the run-time budget stops runaway comprehensions', () => {
  const xs = Array.from({ length: 400 }, (_, i) => i);
  const c = env.compile('object.xs.all(a, object.xs.all(b, object.xs.all(c, a + b + c >= 0)))', 'bool');
  assert.ok(c.program);
  const started = Date.now();
  assert.throws(
    () => c.program.evaluate({ object: toCelValue({ xs }), oldObject: null, params: null }),
    CelBudgetError,
  );
  assert.ok(Date.now() - started < 5000);
  // The budget is per evaluation: a cheap expression afterwards still runs.
  assert.equal(run('object.xs.size() == 400', { object: toCelValue({ xs }) }), true);
});

test('JSON values convert to and from CEL values', () => {
  const v = toCelValue({ a: 1, b: 1.5, c: [2], d: null, e: undefined, f: 'x' });
  assert.deepEqual(v, { a: 1n, b: 1.5, c: [2n], d: null, f: 'x' });
  assert.deepEqual(fromCelValue(v), { a: 1, b: 1.5, c: [2], d: null, f: 'x' });
  assert.equal(fromCelValue(2n ** 64n), '18446744073709551616');
});

test('environments are shared per variable set', () => {
  assert.equal(CelEnvironment.for(['params', 'object', 'oldObject']), env);
  assert.notEqual(CelEnvironment.for(['self']), env);
  assert.match(CelEnvironment.for(['self']).compile('object.x').error ?? '', /undeclared reference to 'object'/);
});
