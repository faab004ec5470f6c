import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crictlTable, formatG, formatTable, humanSize } from './table.js';

test('formatTable lays columns out like Go tabwriter (padding, min width, unpadded last cell)', () => {
  assert.equal(
    formatTable(
      [
        ['NAME', 'X', 'LAST'],
        ['a-much-longer-name', 'yy', ''],
      ],
      { padding: 2 },
    ),
    'NAME                X   LAST\na-much-longer-name  yy  \n',
  );
  const crictl = crictlTable([
    ['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'],
    ['kubets.local/pause', '1', '2c73dbdc1513d', '1.02kB'],
  ]);
  assert.equal(
    crictl,
    'IMAGE                TAG                 IMAGE ID            SIZE\n' +
      'kubets.local/pause   1                   2c73dbdc1513d       1.02kB\n',
  );
  assert.equal(formatTable([]), '');
  assert.equal(formatTable([['ü', 'x']], { padding: 1 }), 'ü x\n', 'widths count code points');
});

test("formatG is Go's %.Ng; humanSize is go-units HumanSizeWithPrecision(size, 3)", () => {
  const g: [number, number, string][] = [
    [1.157, 3, '1.16'],
    [315, 3, '315'],
    [2, 3, '2'],
    [1.5, 3, '1.5'],
    [999.6, 3, '1e+03'],
    [0.00001234, 3, '1.23e-05'],
    [0.001234, 3, '0.00123'],
    [0, 3, '0'],
  ];
  for (const [x, p, want] of g) assert.equal(formatG(x, p), want, `${x} %.${p}g`);
  const sizes: [number, string][] = [
    [0, '0B'],
    [999, '999B'],
    [1000, '1kB'],
    [1024, '1.02kB'],
    [1_061_234, '1.06MB'],
    [315_000, '315kB'],
    [12_345_678_901, '12.3GB'],
  ];
  for (const [n, want] of sizes) assert.equal(humanSize(n), want, String(n));
});
