import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * What kubets remembers about its etcd member between starts
 * (`<data-dir>/server/db/etcd-member.json`). `phase` makes half-done work
 * recoverable: a member is only `member` once it was healthy (first server)
 * or promoted to a voter (joiner); anything earlier is redone from scratch on
 * the next start, which is safe because nothing was stored through it yet.
 */
export interface MemberState {
  name: string;
  clientURL: string;
  peerURL: string;
  phase: 'initializing' | 'joining' | 'member';
}

export function readMemberState(path: string): MemberState | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); restore it or remove the data dir`);
  }
  const s = parsed as Partial<MemberState>;
  if (!s || typeof s.name !== 'string' || typeof s.peerURL !== 'string' || typeof s.clientURL !== 'string') {
    throw new Error(`${path} is not a kubets etcd member record; restore it or remove the data dir`);
  }
  const phase = s.phase === 'member' || s.phase === 'joining' ? s.phase : 'initializing';
  return { name: s.name, clientURL: s.clientURL, peerURL: s.peerURL, phase };
}

/** Replaces the record atomically (write + rename), mode 0600. */
export function writeMemberState(path: string, state: MemberState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
