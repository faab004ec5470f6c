/**
 * Domain names between wire labels and presentation text (RFC 1035 §5.1):
 * printable bytes stay as they are, `.` and `\` inside a label are escaped
 * with a backslash, anything else becomes `\DDD`. Names in text form carry no
 * trailing dot; the root is the empty string.
 */

export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

/** The presentation text of one wire label. */
export function labelText(buf: Buffer, start: number, len: number): string {
  let out = '';
  for (let i = start; i < start + len; i++) {
    const c = buf[i]!;
    if (c === 0x2e || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c > 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\${String(c).padStart(3, '0')}`;
  }
  return out;
}

/** The labels of a text name as bytes (escapes undone); throws on labels over 63 or names over 255 bytes. */
export function textLabels(name: string): Buffer[] {
  if (name === '' || name === '.') return [];
  const labels: Buffer[] = [];
  let cur: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch === 0x5c && i + 1 < name.length) {
      const rest = name.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(rest)) {
        cur.push(Number(rest) & 0xff);
        i += 3;
      } else {
        cur.push(name.charCodeAt(++i) & 0xff);
      }
    } else if (ch === 0x2e) {
      if (i === name.length - 1) break;
      labels.push(Buffer.from(cur));
      cur = [];
    } else {
      cur.push(ch & 0xff);
    }
  }
  labels.push(Buffer.from(cur));
  let total = 1;
  for (const l of labels) {
    if (l.length === 0 || l.length > 63) throw new WireFormatError(`bad label length ${l.length} in ${name}`);
    total += l.length + 1;
  }
  if (total > 255) throw new WireFormatError(`name too long (${total} bytes): ${name}`);
  return labels;
}

/** The text labels of a name, splitting at unescaped dots (for suffix keys). */
export function splitText(name: string): string[] {
  if (name === '' || name === '.') return [];
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '.') {
      out.push(name.slice(start, i));
      start = i + 1;
    }
  }
  if (start < name.length) out.push(name.slice(start));
  return out;
}

/**
 * Reads the (possibly compressed) name at `off`: its text and the offset just
 * past it in the record (a pointer ends the name in place). Pointers must
 * point backwards, which also bounds the walk.
 */
export function readName(buf: Buffer, off: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = off;
  let end = -1;
  let total = 1;
  let limit = off;
  for (;;) {
    if (pos >= buf.length) throw new WireFormatError('name runs past the message');
    const len = buf[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new WireFormatError('truncated compression pointer');
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (end < 0) end = pos + 2;
      if (target >= limit) throw new WireFormatError('compression pointer does not point backwards');
      limit = target;
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new WireFormatError(`unsupported label type 0x${len.toString(16)}`);
    if (pos + 1 + len > buf.length) throw new WireFormatError('label runs past the message');
    total += len + 1;
    if (total > 255) throw new WireFormatError('name longer than 255 bytes');
    labels.push(labelText(buf, pos + 1, len));
    pos += len + 1;
  }
  return { name: labels.join('.'), end };
}

/** The offset just past the name at `off` without decoding it. */
export function skipName(buf: Buffer, off: number): number {
  let pos = off;
  for (;;) {
    if (pos >= buf.length) throw new WireFormatError('name runs past the message');
    const len = buf[pos]!;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 2 > buf.length) throw new WireFormatError('truncated compression pointer');
      return pos + 2;
    }
    if ((len & 0xc0) !== 0) throw new WireFormatError(`unsupported label type 0x${len.toString(16)}`);
    pos += len + 1;
  }
}
