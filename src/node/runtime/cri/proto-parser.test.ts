import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProto, protoCamelCase, ProtoParseError } from './proto-parser.js';

test('protoCamelCase follows protobufjs', () => {
  const cases: [string, string][] = [
    ['pod_sandbox_id', 'podSandboxId'],
    ['uidMappings', 'uidMappings'],
    ['CDI_devices', 'CDIDevices'],
    ['x', 'x'],
  ];
  for (const [input, want] of cases) assert.equal(protoCamelCase(input), want, input);
});

test('parses messages, nested enums, maps, repeated fields, options and services', () => {
  const root = parseProto(`
    // leading comment
    syntax = "proto3";
    package a.b;
    option go_package = "x";
    /* block
       comment */
    message M {
      enum Kind { ZERO = 0; ONE = 1 [deprecated = true]; }
      reserved 9;
      string pod_id = 1;
      repeated int64 groups = 2;
      map<string, string> label_selector = 3 [deprecated=true];
      Kind kind = 4;
      oneof choice { string left = 5; string right = 6; }
    }
    enum E { A = 0; B = 2; }
    service S {
      rpc Get(M) returns (M) {}
      rpc Watch(M) returns (stream M);
    }
  `);
  assert.deepEqual(root, {
    nested: {
      a: {
        nested: {
          b: {
            nested: {
              M: {
                fields: {
                  podId: { type: 'string', id: 1 },
                  groups: { rule: 'repeated', type: 'int64', id: 2 },
                  labelSelector: { keyType: 'string', type: 'string', id: 3 },
                  kind: { type: 'Kind', id: 4 },
                  left: { type: 'string', id: 5 },
                  right: { type: 'string', id: 6 },
                },
                nested: { Kind: { values: { ZERO: 0, ONE: 1 } } },
              },
              E: { values: { A: 0, B: 2 } },
              S: {
                methods: {
                  Get: { requestType: 'M', responseType: 'M' },
                  Watch: { requestType: 'M', responseType: 'M', responseStream: true },
                },
              },
            },
          },
        },
      },
    },
  });
});

test('fragments merge into one root; redefinitions are errors', () => {
  const root = parseProto('syntax = "proto3"; package p; message A { string x = 1; }');
  parseProto('syntax = "proto3"; package p; message B { A a = 1; }', root);
  assert.deepEqual(Object.keys(root.nested!.p.nested!), ['A', 'B']);
  assert.throws(
    () => parseProto('syntax = "proto3"; package p; message A {}', root),
    (e: unknown) => e instanceof ProtoParseError && /duplicate definition of A/.test(e.message),
  );
});

test('rejects malformed input with a reason', () => {
  const cases: [string, RegExp][] = [
    ['syntax = "proto2";', /unsupported syntax/],
    ['message M { string x = 1; string y = 1; }', /duplicate field number 1/],
    ['message M { string x = 1; string x = 2; }', /duplicate field x/],
    ['message M { string x = ; }', /expected a number/],
    ['message M { string x = 1 }', /expected ";"/],
    ['message M { string x = 1;', /unexpected end of input/],
    ['message M { string x = 1; } $', /unexpected character "\$"/],
    ['frobnicate X {}', /unexpected "frobnicate" at top level/],
    ['service S { get X(A) returns (B); }', /expected "rpc"/],
  ];
  for (const [src, want] of cases) {
    assert.throws(() => parseProto(src), want, src);
  }
});
