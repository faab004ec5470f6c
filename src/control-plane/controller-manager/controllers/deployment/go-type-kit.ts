import { bigNatWords, goQuantity } from './go-quantity.js';
import { type GoField, type GoType, UnmodeledTypeError } from './go-dump.js';

/**
 * Building blocks of the Go type model of core/v1 (see
 * pod-template-go-types.ts): scalar and composite type constructors, the
 * registry of struct layouts (resolved lazily, so types can refer to each
 * other in any order), and the apimachinery types whose printed form is their
 * private fields: resource.Quantity, intstr.IntOrString, metav1.Time.
 */
export const named = (k: 'string' | 'int' | 'bool', name: string): GoType => ({ k, name });
export const str = named('string', 'string');
export const i32 = named('int', 'int32');
export const i64 = named('int', 'int64');
export const bool = named('bool', 'bool');
export const ptr = (elem: GoType): GoType => ({ k: 'ptr', elem });
export const slice = (elem: GoType): GoType => ({ k: 'slice', elem });
export const mapSS: GoType = { k: 'map', key: str, elem: str };
export const s = (name: string) => named('string', `v1.${name}`);

const registry = new Map<string, GoField[]>();
/** A struct type whose fields are resolved lazily (types refer to each other). */
export const struct = (name: string): GoType => ({
  k: 'struct',
  name: `v1.${name}`,
  fields: () => registry.get(name)!,
});
export const def = (name: string, fields: GoField[]) => registry.set(name, fields);
export const opaque = (name: string): GoType => ({
  k: 'custom',
  name: `v1.${name}`,
  render: () => {
    throw new UnmodeledTypeError(`v1.${name}`);
  },
});

const decType: GoType = {
  k: 'struct',
  name: 'inf.Dec',
  fields: () => [
    ['unscaled', 'unscaled', { k: 'struct', name: 'big.Int', fields: () => bigIntFields }],
    ['scale', 'scale', named('int', 'inf.Scale')],
  ],
};
const bigIntFields: GoField[] = [
  ['neg', 'neg', bool],
  ['abs', 'abs', { k: 'slice', name: 'big.nat', elem: named('int', 'big.Word') }],
];
const quantityStruct: GoType = {
  k: 'struct',
  name: 'resource.Quantity',
  fields: () => [
    [
      'i',
      'i',
      {
        k: 'struct',
        name: 'resource.int64Amount',
        fields: () => [
          ['value', 'value', i64],
          ['scale', 'scale', named('int', 'resource.Scale')],
        ],
      },
    ],
    ['d', 'd', { k: 'struct', name: 'resource.infDecAmount', fields: () => [['Dec', 'dec', ptr(decType)]] }],
    ['s', 's', str],
    ['Format', 'format', named('string', 'resource.Format')],
  ],
};
/** resource.Quantity, decoded from its string form into the struct's private fields. */
export const quantityType: GoType = {
  k: 'custom',
  name: 'resource.Quantity',
  render: (w, v) => {
    const q = v === undefined ? undefined : goQuantity(v);
    const value = q && {
      i: { value: q.i.value, scale: q.i.scale },
      d: q.d && {
        dec: {
          unscaled: { neg: q.d.unscaled < 0n, abs: bigNatWords(q.d.unscaled) },
          scale: q.d.scale,
        },
      },
      s: q.s,
      format: q.format,
    };
    w.ignoreNextType = true;
    w.format(quantityStruct, value);
  },
};
const intOrStringStruct: GoType = {
  k: 'struct',
  name: 'intstr.IntOrString',
  fields: () => [
    ['Type', 'type', named('int', 'intstr.Type')],
    ['IntVal', 'intVal', i32],
    ['StrVal', 'strVal', str],
  ],
};
export const intOrString: GoType = {
  k: 'custom',
  name: 'intstr.IntOrString',
  render: (w, v) => {
    w.ignoreNextType = true;
    w.format(intOrStringStruct, typeof v === 'string' ? { type: 1, strVal: v } : { type: 0, intVal: v });
  },
};
/** metav1.Time: only the zero time appears in templates; anything else is not modeled. */
export const timeType: GoType = {
  k: 'custom',
  name: 'v1.Time',
  render: (w, v) => {
    if (v !== undefined && v !== null && v !== '') throw new UnmodeledTypeError('v1.Time (non-zero)');
    w.write('{Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}}');
  },
};
export const resourceList: GoType = { k: 'map', name: 'v1.ResourceList', key: s('ResourceName'), elem: quantityType };
