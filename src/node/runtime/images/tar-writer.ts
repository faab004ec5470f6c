/**
 * A minimal ustar writer for image layers and OCI archives. Output is a pure
 * function of the entries: fixed mtime, uid/gid 0, no user or group names, so
 * the same input always yields the same bytes (and the same digests). Entries
 * are written in the order given; callers sort them when order should not
 * depend on how they were collected.
 */
export type TarEntry =
  | { type: 'file'; path: string; data: Buffer; mode?: number }
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'symlink'; path: string; target: string };

/** 2024-01-01T00:00:00Z: the mtime of every entry (a fixed value keeps digests stable). */
export const fixedMtime = 1_704_067_200;

const block = 512;

function writeString(buf: Buffer, offset: number, length: number, value: string, what: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar: ${what} ${JSON.stringify(value)} is longer than ${length} bytes`);
  bytes.copy(buf, offset);
}

/** An octal field of `length` bytes: zero-padded digits and a trailing NUL. */
function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8).padStart(length - 1, '0');
  if (digits.length > length - 1) throw new Error(`tar: value ${value} does not fit in ${length} bytes`);
  buf.write(`${digits}\0`, offset, 'ascii');
}

/** Splits a path into ustar's prefix (<=155 bytes) and name (<=100 bytes) at a '/'. */
function splitPath(path: string): [prefix: string, name: string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.lastIndexOf('/', path.length - 2); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`tar: path ${JSON.stringify(path)} is too long for ustar`);
}

function header(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(block);
  const path = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const [prefix, name] = splitPath(path);
  writeString(h, 0, 100, name, 'name');
  const mode = entry.type === 'symlink' ? 0o777 : (entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644));
  writeOctal(h, 100, 8, mode);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, fixedMtime);
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  h.write(entry.type === 'file' ? '0' : entry.type === 'symlink' ? '2' : '5', 156, 'ascii');
  if (entry.type === 'symlink') writeString(h, 157, 100, entry.target, 'link target');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  writeOctal(h, 329, 8, 0);
  writeOctal(h, 337, 8, 0);
  writeString(h, 345, 155, prefix, 'path prefix');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The tar archive of `entries`, ending with the two zero blocks ustar requires. */
export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const key = e.path.replace(/\/$/, '');
    if (seen.has(key)) throw new Error(`tar: duplicate entry ${JSON.stringify(e.path)}`);
    seen.add(key);
    const data = e.type === 'file' ? e.data : Buffer.alloc(0);
    parts.push(header(e, data.length));
    if (data.length > 0) {
      parts.push(data);
      const pad = (block - (data.length % block)) % block;
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(block * 2));
  return Buffer.concat(parts);
}

export interface TarReadEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  mtime: number;
  data: Buffer;
  target: string;
}

/** Reads a ustar archive (what writeTar produces; no GNU/PAX extensions). For tests and checks. */
export function readTar(buf: Buffer): TarReadEntry[] {
  const out: TarReadEntry[] = [];
  const str = (o: number, n: number) => buf.toString('utf8', o, o + n).replace(/\0.*$/s, '');
  const oct = (o: number, n: number) => parseInt(str(o, n).trim() || '0', 8);
  for (let off = 0; off + block <= buf.length;) {
    if (buf.subarray(off, off + block).every((b) => b === 0)) break;
    const size = oct(off + 124, 12);
    const prefix = str(off + 345, 155);
    const name = str(off, 100);
    const flag = String.fromCharCode(buf[off + 156]);
    const type = flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : 'other';
    const dataStart = off + block;
    out.push({
      path: prefix ? `${prefix}/${name}` : name,
      type,
      mode: oct(off + 100, 8),
      mtime: oct(off + 136, 12),
      data: Buffer.from(buf.subarray(dataStart, dataStart + size)),
      target: str(off + 157, 100),
    });
    off = dataStart + Math.ceil(size / block) * block;
  }
  return out;
}
