/**
 * PEM armour (RFC 7468): base64 DER between `-----BEGIN <label>-----` and
 * `-----END <label>-----` lines. Encoding wraps at 64 columns as OpenSSL and
 * Go's encoding/pem do.
 */
export interface PemBlock {
  label: string;
  der: Buffer;
  /** RFC 1421 headers (`Proc-Type: ...`) found inside the block; Kubernetes rejects them in some places. */
  headers: Record<string, string>;
}

export function toPEM(label: string, body: Buffer): string {
  const b64 = body
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

const blockPattern = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order; text between blocks is ignored (as Go's pem.Decode loop). */
export function decodePEM(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(blockPattern)) {
    const headers: Record<string, string> = {};
    const lines = m[2]!.split(/\r?\n/);
    let i = 0;
    for (; i < lines.length; i++) {
      const h = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(lines[i]!);
      if (!h) break;
      headers[h[1]!] = h[2]!;
    }
    const b64 = lines.slice(i).join('').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) continue;
    out.push({ label: m[1]!, der: Buffer.from(b64, 'base64'), headers });
  }
  return out;
}

/** The DER of the first block with `label`; throws when there is none. */
export function firstPEMBlock(text: string, label: string): Buffer {
  const b = decodePEM(text).find((x) => x.label === label);
  if (!b) throw new Error(`no ${label} PEM block found`);
  return b.der;
}
