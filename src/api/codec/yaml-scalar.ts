/**
 * Scalar resolution as go-yaml v2 does it (the YAML 1.1 parser behind
 * sigs.k8s.io/yaml, which Kubernetes and kubectl use to turn YAML into JSON):
 * - `y Y yes Yes YES on On ON true True TRUE` are true, their n/no/off/false
 *   counterparts false — so `value: yes` becomes a boolean, the classic manifest
 *   pitfall that upstream rejects for string fields;
 * - `~ null Null NULL` and the empty scalar are null;
 * - integers: Go base-0 syntax after removing `_` (`0777` octal = 511, `0x1F`,
 *   `0b101`, `+5`); out-of-int64 values still become numbers;
 * - floats: `1e3`, `.5`, `.inf`, `-.Inf`, `.nan` (1e400 overflows → string);
 * - timestamps (`2024-01-02`, `2024-01-02T10:00:00Z`) stay the original string,
 *   as go-yaml v2 does when decoding into interface{};
 * - quoted and block scalars are strings unless explicitly tagged; `!!str`
 *   forces a string; other explicit core tags must match or decoding fails.
 */
export type Resolved =
  | { tag: 'str'; value: string }
  | { tag: 'bool'; value: boolean }
  | { tag: 'null'; value: null }
  | { tag: 'int'; value: number }
  | { tag: 'float'; value: number }
  | { tag: 'timestamp'; value: string }
  | { tag: 'merge'; value: '<<' };

const boolMap = new Map<string, boolean>();
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) boolMap.set(s, true);
for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) boolMap.set(s, false);
const nulls = new Set(['', '~', 'null', 'Null', 'NULL']);
const specialFloats = new Map<string, number>([
  ['.nan', NaN],
  ['.NaN', NaN],
  ['.NAN', NaN],
  ['.inf', Infinity],
  ['.Inf', Infinity],
  ['.INF', Infinity],
  ['+.inf', Infinity],
  ['+.Inf', Infinity],
  ['+.INF', Infinity],
  ['-.inf', -Infinity],
  ['-.Inf', -Infinity],
  ['-.INF', -Infinity],
]);

const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const goInt = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;

/** Go's strconv.ParseInt/ParseUint(s, 0, 64) syntax, any magnitude. */
function parseGoInt(s: string): number | undefined {
  const m = goInt.exec(s);
  if (!m) return undefined;
  const [, sign, digits] = m;
  let body = digits;
  if (/^0[0-7]+$/.test(body)) body = `0o${body.slice(1)}`;
  const v = BigInt(body.toLowerCase().replace(/^0([xob])/, '0$1'));
  return Number(sign === '-' ? -v : v);
}

const tsDate = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const tsFull =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([Tt])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})| (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d{1,9})?)$/;

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

/** go-yaml v2 parseTimestamp: the subset of YAML timestamps Go's time.Parse layouts accept. */
export function isYAMLTimestamp(s: string): boolean {
  const date = tsDate.exec(s);
  if (date) return validDate(+date[1], +date[2], +date[3]);
  const full = tsFull.exec(s);
  if (!full) return false;
  const [h, mi, se] = full[4] ? [full[5], full[6], full[7]] : [full[8], full[9], full[10]];
  return validDate(+full[1], +full[2], +full[3]) && +h < 24 && +mi < 60 && +se < 60;
}

/** Resolves an untagged plain scalar (or one tagged with a core tag). */
function resolvePlain(s: string, allowTimestamp: boolean): Resolved {
  if (nulls.has(s)) return { tag: 'null', value: null };
  const b = boolMap.get(s);
  if (b !== undefined) return { tag: 'bool', value: b };
  const special = specialFloats.get(s);
  if (special !== undefined) return { tag: 'float', value: special };
  if (s === '<<') return { tag: 'merge', value: '<<' };
  const c = s.charAt(0);
  if (c === '.') {
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) return { tag: 'float', value: Number(s) };
  } else if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
    if (allowTimestamp && isYAMLTimestamp(s)) return { tag: 'timestamp', value: s };
    const plain = s.replace(/_/g, '');
    const i = parseGoInt(plain);
    if (i !== undefined) return { tag: 'int', value: i };
    if (yamlStyleFloat.test(plain)) {
      const f = Number(plain);
      if (Number.isFinite(f)) return { tag: 'float', value: f };
    }
  }
  return { tag: 'str', value: s };
}

const coreTags: Record<string, Resolved['tag'] | 'binary'> = {
  'tag:yaml.org,2002:str': 'str',
  'tag:yaml.org,2002:bool': 'bool',
  'tag:yaml.org,2002:null': 'null',
  'tag:yaml.org,2002:int': 'int',
  'tag:yaml.org,2002:float': 'float',
  'tag:yaml.org,2002:timestamp': 'timestamp',
  'tag:yaml.org,2002:binary': 'binary',
};

export class YAMLScalarError extends Error {}

/**
 * Resolves one scalar. `plain` = unquoted flow scalar; `tag` = explicit tag as
 * the yaml library reports it (long form), or undefined.
 */
export function resolveScalar(source: string, plain: boolean, tag: string | undefined): Resolved {
  if (tag === undefined) return plain ? resolvePlain(source, true) : { tag: 'str', value: source };
  const want = coreTags[tag];
  // Non-core tags (`!foo`) keep the text, as go-yaml v2 does.
  if (want === undefined || want === 'str') return { tag: 'str', value: source };
  if (want === 'binary') {
    return { tag: 'str', value: Buffer.from(source.replace(/\s+/g, ''), 'base64').toString('utf8') };
  }
  const r = resolvePlain(source, want === 'timestamp');
  if (r.tag === want) return r;
  if (want === 'float' && r.tag === 'int') return { tag: 'float', value: r.value };
  throw new YAMLScalarError(`cannot decode !!${r.tag} \`${source}\` as a !!${want}`);
}

/**
 * Go's strconv.FormatFloat(f, 'g', -1, 32), which sigs.k8s.io/yaml uses for
 * float map keys (with .inf/-.inf/.nan for the specials).
 */
export function formatFloatKey(f: number): string {
  if (Number.isNaN(f)) return '.nan';
  if (f === Infinity) return '.inf';
  if (f === -Infinity) return '-.inf';
  const x = Math.fround(f);
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  let mantissa = '';
  let exp = 0;
  for (let p = 1; p <= 9; p++) {
    const s = Math.abs(x).toExponential(p - 1);
    if (Math.fround(Number(s)) === Math.abs(x)) {
      const [m, e] = s.split('e');
      mantissa = m.replace('.', '');
      exp = Number(e);
      break;
    }
  }
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const frac = mantissa.length > 1 ? `.${mantissa.slice(1)}` : '';
    const e = Math.abs(exp);
    return `${sign}${mantissa[0]}${frac}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${mantissa}`;
  const intPart = mantissa.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = mantissa.slice(exp + 1);
  return `${sign}${intPart}${fracPart ? `.${fracPart}` : ''}`;
}
