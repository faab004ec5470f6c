import type { FieldError, FieldPath } from './field-error.js';
import {
  DNS1123_SUBDOMAIN_MAX,
  inclusiveRangeError,
  isDNS1123Label,
  isDNS1123Subdomain,
  isIPv4,
  isIPv6,
  isValidCIDR,
  isValidIP,
  maxLenError,
  regexError,
} from './names.js';

/**
 * The rest of apimachinery `util/validation` that the kind validators need,
 * with upstream's messages. Functions named `isXxx` return message lists like
 * names.ts; the ones taking a FieldPath return FieldErrors like upstream's
 * field-aware variants (IsValidIP, IsDomainPrefixedPath, ...).
 */

const percentFmt = '[0-9]+%';
const percentRe = new RegExp(`^${percentFmt}$`);
const percentErrMsg = "a valid percent string must be a numeric string followed by an ending '%'";

export function isValidPercent(value: string): string[] {
  return percentRe.test(value) ? [] : [regexError(percentErrMsg, percentFmt, '1%', '93%')];
}

const httpHeaderNameFmt = '[-A-Za-z0-9]+';
const httpHeaderNameRe = new RegExp(`^${httpHeaderNameFmt}$`);
const httpHeaderNameErrMsg = "a valid HTTP header must consist of alphanumeric characters or '-'";

export function isHTTPHeaderName(value: string): string[] {
  return httpHeaderNameRe.test(value) ? [] : [regexError(httpHeaderNameErrMsg, httpHeaderNameFmt, 'X-Header-Name')];
}

const maxID = 2147483647;

export function isValidUserID(uid: number): string[] {
  return Number.isInteger(uid) && uid >= 0 && uid <= maxID ? [] : [inclusiveRangeError(0, maxID)];
}
export const isValidGroupID = isValidUserID;

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const wildcardDNS1123SubdomainFmt = `\\*\\.${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const wildcardDNS1123SubdomainRe = new RegExp(`^${wildcardDNS1123SubdomainFmt}$`);
const wildcardDNS1123SubdomainErrMsg =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";

export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!wildcardDNS1123SubdomainRe.test(value))
    errs.push(regexError(wildcardDNS1123SubdomainErrMsg, wildcardDNS1123SubdomainFmt, '*.example.com'));
  return errs;
}

/** Relaxed (v1.32 default, RelaxedEnvironmentVariableValidation beta) env var names: printable ASCII but '='. */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push('environment variable name must be non-empty');
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c > 0x7e || ch === '=') {
      errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  }
  return errs;
}

const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPathRe = new RegExp(`^${httpPathFmt}$`);

/** `acme.io/foo`: a DNS subdomain, a slash and an HTTP path (IngressClass controller, Job managedBy). */
export function validateDomainPrefixedPath(path: FieldPath, value: string): FieldError[] {
  if (value.length === 0) return [path.required()];
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1)
    return [path.invalid(value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = value.slice(0, slash);
  const rest = value.slice(slash + 1);
  const errs = isDNS1123Subdomain(host).map((m) => path.invalid(host, m));
  if (!httpPathRe.test(rest)) errs.push(path.invalid(rest, regexError('Invalid path', httpPathFmt)));
  return errs;
}

/** IsValidIP with the field path (upstream's field-aware variant). */
export function validateIP(path: FieldPath, value: string): FieldError[] {
  return isValidIP(value).map((m) => path.invalid(value, m));
}

export function validateCIDR(path: FieldPath, value: string): FieldError[] {
  return isValidCIDR(value).map((m) => path.invalid(value, m));
}

export function validateIPv4Address(path: FieldPath, value: string): FieldError[] {
  return isIPv4(value) ? [] : [path.invalid(value, 'must be a valid IPv4 address')];
}

export function validateIPv6Address(path: FieldPath, value: string): FieldError[] {
  return isIPv6(value) ? [] : [path.invalid(value, 'must be a valid IPv6 address')];
}

/** An IPv4 address as its four octets, or undefined for anything else. */
function ipv4Octets(ip: string): number[] | undefined {
  return isIPv4(ip) ? ip.split('.').map(Number) : undefined;
}

/** Expands a valid IPv6 address into its 8 16-bit groups (an embedded IPv4 tail counts as two). */
function ipv6Groups(ip: string): number[] | undefined {
  if (!isIPv6(ip)) return undefined;
  let s = ip;
  const tailGroups: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const o = tail.split('.').map(Number);
    tailGroups.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const dbl = s.indexOf('::');
  if (dbl < 0) return [...parse(s), ...tailGroups];
  const head = parse(s.slice(0, dbl));
  const rest = parse(s.slice(dbl + 2));
  const fill = 8 - head.length - rest.length - tailGroups.length;
  return [...head, ...new Array<number>(fill).fill(0), ...rest, ...tailGroups];
}

/**
 * ValidateNonSpecialIP (Endpoints, EndpointSlices, externalIPs): unspecified,
 * loopback and link-local addresses are nonsensical as endpoints.
 */
export function validateNonSpecialIP(path: FieldPath, ip: string): FieldError[] {
  const v4 = ipv4Octets(ip);
  const v6 = v4 ? undefined : ipv6Groups(ip);
  if (!v4 && !v6) return [path.invalid(ip, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  let o = v4;
  // IPv4-mapped IPv6 behaves as its IPv4 address (Go's net.IP does the same).
  if (v6 && v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff)
    o = [v6[6]! >> 8, v6[6]! & 0xff, v6[7]! >> 8, v6[7]! & 0xff];
  const unspecified = o ? o.every((x) => x === 0) : v6!.every((g) => g === 0);
  const loopback = o ? o[0] === 127 : v6!.slice(0, 7).every((g) => g === 0) && v6![7] === 1;
  const linkLocalUnicast = o ? o[0] === 169 && o[1] === 254 : (v6![0]! & 0xffc0) === 0xfe80;
  const linkLocalMulticast = o ? o[0] === 224 && o[1] === 0 && o[2] === 0 : (v6![0]! & 0xff0f) === 0xff02;
  if (unspecified) errs.push(path.invalid(ip, `may not be unspecified (${ip})`));
  if (loopback) errs.push(path.invalid(ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (linkLocalUnicast) errs.push(path.invalid(ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (linkLocalMulticast)
    errs.push(path.invalid(ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** IsFullyQualifiedDomainName (EndpointSlice FQDN addresses). */
export function validateFQDN(path: FieldPath, name: string): FieldError[] {
  if (name.length === 0) return [path.required()];
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const sub = isDNS1123Subdomain(n);
  if (sub.length) return [path.invalid(n, sub.join(','))];
  const labels = n.split('.');
  if (labels.length < 2) return [path.invalid(n, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const errs = isDNS1123Label(label);
    if (errs.length) return [path.invalid(label, errs.join(','))];
  }
  return [];
}

/** Whether two IP strings are one IPv4 and one IPv6 address (dual-stack pairs). */
export function isDualStackPair(a: string, b: string): boolean {
  return (isIPv4(a) && isIPv6(b)) || (isIPv6(a) && isIPv4(b));
}

/** Same for CIDRs. */
export function isDualStackCIDRPair(a: string, b: string): boolean {
  const ip = (c: string) => c.split('/')[0] ?? '';
  return isDualStackPair(ip(a), ip(b));
}
