/**
 * String formats CRD schemas validate (apiextensions-apiserver
 * `validation/formats.go`, Kubernetes v1.32): a format is honoured only when its
 * name without dashes is in the supported set, otherwise it is ignored, exactly
 * as StripUnsupportedFormatsPostProcess drops it. Number formats (int32, int64,
 * float, double) are therefore never checked. The checkers follow kube-openapi's
 * strfmt registry (go-openapi/govalidator) closely enough for real manifests.
 */

const supported = new Set([
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
]);

/** The format as the validator sees it: `''` when unsupported (stripped). */
export function effectiveFormat(format: string | undefined): string {
  if (!format) return '';
  return supported.has(format.replaceAll('-', '')) ? format : '';
}

/** Whether `value` satisfies the (supported) `format`. */
export function checkFormat(format: string, value: string): boolean {
  const check = checkers[format.replaceAll('-', '')];
  return check ? check(value) : true;
}

// ParseIPSloppy: IPv4 may carry leading zeros (pre-Go 1.17 behaviour kept by k8s.io/utils/net).
const sloppyIPv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isSloppyIPv4(s: string): boolean {
  const m = sloppyIPv4.exec(s);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

function isIPv6Address(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  let v = s;
  let extra = 0;
  const last = v.lastIndexOf(':');
  const tail = v.slice(last + 1);
  if (tail.includes('.')) {
    if (!isSloppyIPv4(tail)) return false;
    v = `${v.slice(0, last + 1)}0`;
    extra = 1;
  }
  const halves = v.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const all = [...groups(halves[0]!), ...(halves.length === 2 ? groups(halves[1]!) : [])];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const n = all.length + extra;
  return halves.length === 2 ? n <= 7 : n === 8;
}

const isIP = (s: string) => isSloppyIPv4(s) || isIPv6Address(s);

function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  if (isSloppyIPv4(ip)) return Number(bits) <= 32;
  return isIPv6Address(ip) && Number(bits) <= 128;
}

/** net.ParseMAC: 6, 8 or 20 octets as `xx:xx…`, `xx-xx…` or `xxxx.xxxx…`. */
function isMAC(s: string): boolean {
  const octets = [6, 8, 20];
  for (const sep of [':', '-']) {
    const parts = s.split(sep);
    if (octets.includes(parts.length) && parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) return true;
  }
  const dotted = s.split('.');
  return octets.includes(dotted.length * 2) && dotted.every((p) => /^[0-9a-fA-F]{4}$/.test(p));
}

function isISBN10(s: string): boolean {
  const v = s.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dX]$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i + 1) * Number(v[i]);
  sum += v[9] === 'X' ? 100 : 10 * Number(v[9]);
  return sum % 11 === 0;
}

function isISBN13(s: string): boolean {
  const v = s.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(v[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(v[12]);
}

const creditCardRe =
  /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$/;

function isCreditCard(s: string): boolean {
  const digits = s.replace(/[^0-9]+/g, '');
  if (!creditCardRe.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const octet = '(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])';
const rgbRe = new RegExp(`^rgb\\(\\s*${octet}\\s*,\\s*${octet}\\s*,\\s*${octet}\\s*\\)$`);

/** base64.StdEncoding: padded, standard alphabet; CR/LF are ignored by Go's decoder. */
function isBase64(s: string): boolean {
  const v = s.replace(/[\r\n]/g, '');
  return v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v);
}

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** time.Parse("2006-01-02"): strict digits and a day that exists in that month. */
function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
}

const timeRe = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/;

/** strfmt.IsDateTime: `<date>T<hh:mm:ss[.frac](Z|±hh:mm)>`, case-insensitive separators. */
function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0]!)) return false;
  const m = timeRe.exec(parts[1]!);
  return m !== null && m[1]! <= '23' && m[2]! <= '59' && m[3]! <= '59';
}

const goDurationRe = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const unitVariants = [
  ['ns', 'nano'],
  ['us', 'µs', 'micro'],
  ['ms', 'milli'],
  ['s', 'sec'],
  ['m', 'min'],
  ['h', 'hr', 'hour'],
  ['d', 'day'],
  ['w', 'wk', 'week'],
];

/** strfmt.ParseDuration: Go durations, or scala-like `3 days 4h`. */
function isDuration(s: string): boolean {
  if (s === '0' || goDurationRe.test(s)) return true;
  let ok = false;
  for (const m of s.matchAll(/(((?:-\s?)?\d+)\s*([A-Za-zµ]+))/g)) {
    const unit = m[3]!.toLowerCase();
    for (const variants of unitVariants) {
      const last = variants.length - 1;
      if (variants.some((v, i) => (i === last && unit.startsWith(v)) || v === unit)) ok = true;
    }
  }
  return ok;
}

const hostnameRe =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;

function isHostname(s: string): boolean {
  return hostnameRe.test(s) && Buffer.byteLength(s) <= 255 && s.split('.').every((p) => Buffer.byteLength(p) <= 63);
}

/** url.ParseRequestURI: an absolute URI (scheme:…) or an absolute path; no control characters or spaces in the authority. */
function isRequestURI(s: string): boolean {
  if (s === '' || [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return false;
  if (s.startsWith('/')) return true;
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:(.*)$/s.exec(s);
  if (!m) return false;
  const rest = m[1]!;
  if (rest.startsWith('//')) {
    const authority = rest.slice(2).split(/[/?#]/, 1)[0]!;
    if (/[\s<>"{}|\\^`]/.test(authority)) return false;
  }
  return true;
}

/** net/mail.ParseAddress, reduced: `local@domain` or `Name <local@domain>`. */
function isEmail(s: string): boolean {
  const angle = /^[^<>]*<([^<>]+)>\s*$/.exec(s);
  const addr = (angle ? angle[1]! : s).trim();
  return /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/.test(addr) && !addr.endsWith('.') && !addr.includes('..');
}

const uuid = (v: string) => new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${v}-?[0-9a-f]{12}$`, 'i');

const checkers: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isRequestURI,
  email: isEmail,
  hostname: isHostname,
  ipv4: (s) => isIP(s) && s.includes('.'),
  ipv6: (s) => isIP(s) && s.includes(':'),
  cidr: isCIDR,
  mac: isMAC,
  uuid: (s) => uuid('[0-9a-f]{4}-?[0-9a-f]{4}').test(s),
  uuid3: (s) => uuid('3[0-9a-f]{3}-?[0-9a-f]{4}').test(s),
  uuid4: (s) => uuid('4[0-9a-f]{3}-?[89ab][0-9a-f]{3}').test(s),
  uuid5: (s) => uuid('5[0-9a-f]{3}-?[89ab][0-9a-f]{3}').test(s),
  isbn: (s) => isISBN10(s) || isISBN13(s),
  isbn10: isISBN10,
  isbn13: isISBN13,
  creditcard: isCreditCard,
  ssn: (s) => /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(s),
  hexcolor: (s) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s),
  rgbcolor: (s) => rgbRe.test(s),
  byte: isBase64,
  password: () => true,
  date: isDate,
  duration: isDuration,
  datetime: isDateTime,
};
