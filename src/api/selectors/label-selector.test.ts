import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StatusError } from '../errors/status-error.js';
import {
  everything,
  labelSelectorToString,
  nothing,
  parseLabelSelector,
  selectorFromLabelSelector,
  selectorFromSet,
  tryParseLabelSelector,
} from './label-selector.js';

const labelValueDetail =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const qualifiedNameDetail =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

test('parse: valid selectors and their canonical strings', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['z=c,x=a,y=b', 'x=a,y=b,z=c'],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['x=', 'x='],
    ['x= ', 'x='],
    ['x=,z= ', 'x=,z='],
    ['x= ,z= ', 'x=,z='],
    ['!x', '!x'],
    ['x>1', 'x>1'],
    ['x>1,z<5', 'x>1,z<5'],
    ['x==a', 'x==a'],
    ['  app = web  ,  tier in ( a , b ) ', 'app=web,tier in (a,b)'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['x in (b,a,b)', 'x in (a,b)'],
    ['x in (a,)', 'x in (,a)'],
    ['x in (,a)', 'x in (,a)'],
    ['x notin (a)', 'x notin (a)'],
    ['in in (in), notin notin (notin)', 'in in (in),notin notin (notin)'],
    ['example.com/app=web', 'example.com/app=web'],
    ['environment in (production, qa)', 'environment in (production,qa)'],
    ['tier notin (frontend,backend)', 'tier notin (backend,frontend)'],
    ['partition,!legacy', '!legacy,partition'],
    ['x=a\ty=b'.replace('\t', ','), 'x=a,y=b'],
  ];
  for (const [input, want] of cases) {
    const sel = parseLabelSelector(input);
    assert.equal(sel.toString(), want, JSON.stringify(input));
    // The canonical form parses back to itself.
    assert.equal(parseLabelSelector(want).toString(), want);
  }
  assert.equal(parseLabelSelector('').isEmpty(), true);
  assert.equal(parseLabelSelector('').matches({ any: 'thing' }), true);
});

test('parse: invalid selectors report upstream messages as 400', () => {
  const cases: [string, string][] = [
    ['x=a||y=b', `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${labelValueDetail}`],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    [
      'x<a',
      `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b,', "found '', expected: identifier after ','"],
    ['a=b,,c', "found ',', expected: identifier after ','"],
    [',', "found ',', expected: !, identifier, or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (b,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
    ['a=-x', `unable to parse requirement: values[0][a]: Invalid value: "-x": ${labelValueDetail}`],
    [
      'a=' + 'v'.repeat(64),
      `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
    ],
    ['-a', `unable to parse requirement: <nil>: Invalid value: "-a": ${qualifiedNameDetail}`],
    [
      'a/b/c',
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    [
      'x>1a',
      `unable to parse requirement: values[0]: Invalid value: "1a": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseLabelSelector(input),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && e.message === message,
      JSON.stringify(input),
    );
    assert.equal(tryParseLabelSelector(input), message);
  }
});

test('matches: upstream TestSelectorMatches', () => {
  const yes: [string, Record<string, string> | undefined][] = [
    ['', { x: 'y' }],
    ['', undefined],
    ['x=y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['notin=in', { notin: 'in' }],
    ['x', { x: 'z' }],
    ['!x', { y: 'z' }],
    ['!x', undefined],
    ['x>1', { x: '2' }],
    ['x<1', { x: '0' }],
    ['x<1', { x: '-5' }],
    ['x in (a,b)', { x: 'b' }],
    ['x notin (a,b)', { x: 'c' }],
    ['x notin (a,b)', {}],
    ['x!=a', {}],
    ['x=', { x: '' }],
    ['x in ()', { x: '' }],
  ];
  const no: [string, Record<string, string> | undefined][] = [
    ['x=z', {}],
    ['x=z', undefined],
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['x', { y: 'z' }],
    ['!x', { x: 'z' }],
    ['x>1', { x: '0' }],
    ['x<1', { x: '2' }],
    ['x>1', { x: 'abc' }],
    ['x>1', {}],
    ['x in (a,b)', { x: 'c' }],
    ['x in (a,b)', {}],
    ['x notin (a,b)', { x: 'a' }],
    ['x=', {}],
  ];
  for (const [sel, labels] of yes)
    assert.equal(parseLabelSelector(sel).matches(labels), true, `${sel} ~ ${JSON.stringify(labels)}`);
  for (const [sel, labels] of no)
    assert.equal(parseLabelSelector(sel).matches(labels), false, `${sel} !~ ${JSON.stringify(labels)}`);
  // Inherited object properties are not labels.
  assert.equal(parseLabelSelector('constructor').matches({}), false);
  assert.equal(parseLabelSelector('toString=x').matches({}), false);
});

test('requirements and exactMatchValue', () => {
  const sel = parseLabelSelector('tier in (web), app=api, env==prod, x in (a,b), y!=z, !w');
  assert.deepEqual(
    sel.requirements().map((r) => [r.key, r.operator, [...r.values]]),
    [
      ['app', '=', ['api']],
      ['env', '==', ['prod']],
      ['tier', 'in', ['web']],
      ['w', '!', []],
      ['x', 'in', ['a', 'b']],
      ['y', '!=', ['z']],
    ],
  );
  const cases: [string, string | undefined][] = [
    ['app', 'api'],
    ['env', 'prod'],
    ['tier', 'web'],
    ['x', undefined],
    ['y', undefined],
    ['w', undefined],
    ['missing', undefined],
  ];
  for (const [key, want] of cases) assert.equal(sel.exactMatchValue(key), want, key);
  assert.equal(everything.exactMatchValue('app'), undefined);
  assert.equal(nothing.exactMatchValue('app'), undefined);
});

test('everything and nothing', () => {
  assert.equal(everything.matches(undefined), true);
  assert.equal(everything.isEmpty(), true);
  assert.equal(everything.toString(), '');
  assert.equal(nothing.matches({}), false);
  assert.equal(nothing.matches({ a: 'b' }), false);
  assert.equal(nothing.isEmpty(), false);
  assert.equal(nothing.toString(), '');
  assert.deepEqual(nothing.requirements(), []);
});

test('selectorFromLabelSelector: LabelSelectorAsSelector semantics', () => {
  assert.equal(selectorFromLabelSelector(undefined), nothing);
  assert.equal(selectorFromLabelSelector(null), nothing);
  assert.equal(selectorFromLabelSelector({}).matches({ a: 'b' }), true);
  assert.equal(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).isEmpty(), true);

  const sel = selectorFromLabelSelector({
    matchLabels: { b: '1', a: '2' },
    matchExpressions: [
      { key: 'c', operator: 'NotIn', values: ['z', 'y'] },
      { key: 'd', operator: 'Exists' },
      { key: 'e', operator: 'DoesNotExist' },
      { key: 'f', operator: 'In', values: ['x'] },
    ],
  });
  assert.equal(sel.toString(), 'a=2,b=1,c notin (y,z),d,!e,f in (x)');
  assert.equal(sel.matches({ a: '2', b: '1', d: '', f: 'x' }), true);
  assert.equal(sel.matches({ a: '2', b: '1', d: '', f: 'x', c: 'y' }), false);
  assert.equal(sel.matches({ a: '2', b: '1', d: '', f: 'x', e: '' }), false);
  assert.equal(sel.matches({ a: '2', b: '1', f: 'x' }), false);
  assert.equal(sel.exactMatchValue('a'), '2');
  assert.equal(sel.exactMatchValue('f'), 'x');
});

test('selectorFromLabelSelector: invalid input throws 400 with upstream messages', () => {
  const cases: [object, string][] = [
    [
      { matchExpressions: [{ key: 'a', operator: 'In' }] },
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] },
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x', 'y'] }] },
      'values: Invalid value: []string{"x", "y"}: values set must be empty for exists and does not exist',
    ],
    [{ matchExpressions: [{ key: 'a', operator: 'Foo' }] }, '"Foo" is not a valid label selector operator'],
    [
      { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] },
      '"in" is not a valid label selector operator',
    ],
    [{ matchLabels: { 'bad key': 'v' } }, `key: Invalid value: "bad key": ${qualifiedNameDetail}`],
    [{ matchLabels: { k: 'bad value' } }, `values[0][k]: Invalid value: "bad value": ${labelValueDetail}`],
    [
      { matchExpressions: [{ key: '-k', operator: 'In', values: ['-v'] }] },
      `[key: Invalid value: "-k": ${qualifiedNameDetail}, values[0][-k]: Invalid value: "-v": ${labelValueDetail}]`,
    ],
  ];
  for (const [sel, message] of cases) {
    assert.throws(
      () => selectorFromLabelSelector(sel as never),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === message,
      JSON.stringify(sel),
    );
  }
});

test('labelSelectorToString: the Scale subresource status.selector form', () => {
  assert.equal(labelSelectorToString({ matchLabels: { app: 'web' } }), 'app=web');
  assert.equal(
    labelSelectorToString({
      matchLabels: { tier: 'fe', app: 'web' },
      matchExpressions: [{ key: 'env', operator: 'In', values: ['qa', 'prod'] }],
    }),
    'app=web,env in (prod,qa),tier=fe',
  );
  assert.equal(labelSelectorToString({}), '');
  assert.equal(labelSelectorToString(undefined), '');
});

test('selectorFromSet', () => {
  const sel = selectorFromSet({ b: '2', a: '1' });
  assert.equal(sel.toString(), 'a=1,b=2');
  assert.equal(sel.matches({ a: '1', b: '2', c: '3' }), true);
  assert.equal(sel.matches({ a: '1' }), false);
  assert.equal(selectorFromSet({}).isEmpty(), true);
  assert.equal(selectorFromSet(undefined).matches({}), true);
});

test('property: random strings never crash the parser', () => {
  const alphabet = fc.constantFrom(
    'a',
    'b',
    'x',
    '=',
    '!',
    '(',
    ')',
    ',',
    ' ',
    '<',
    '>',
    'in',
    'notin',
    '/',
    '.',
    '-',
    '\0',
    'é',
  );
  const selectorish = fc.array(alphabet, { maxLength: 20 }).map((parts) => parts.join(''));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), selectorish), (s) => {
      const out = tryParseLabelSelector(s);
      if (typeof out === 'string') {
        assert.throws(
          () => parseLabelSelector(s),
          (e: unknown) => e instanceof StatusError && e.code === 400,
        );
        return;
      }
      // Whatever parses has a canonical form that parses to the same selector.
      const canonical = out.toString();
      const again = tryParseLabelSelector(canonical);
      assert.notEqual(typeof again, 'string', `${JSON.stringify(s)} -> ${canonical}`);
      assert.equal((again as typeof out).toString(), canonical);
      out.matches({ a: 'b', x: '1' });
    }),
    { numRuns: 3000 },
  );
});
