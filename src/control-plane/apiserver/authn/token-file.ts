import { readFileSync } from 'node:fs';
import type { UserInfo } from '../types.js';
import { digestsEqual, secretDigest } from './constant-time.js';
import { parseCsv } from './csv.js';
import type { AuthResult, TokenAuthenticator } from './types.js';

/**
 * Static bearer tokens (`--token-auth-file`, upstream `token/tokenfile`): a CSV
 * file of `token,user,uid[,"group1,group2"]`. Records with an empty token are
 * skipped; a repeated token keeps its last record. Tokens are kept only as
 * SHA-256 digests and compared in constant time against every entry.
 */
export interface StaticToken {
  token: string;
  user: UserInfo;
}

/** Parses token-file content; throws with upstream's message on short records or bad CSV. */
export function parseTokenFile(content: string, path = '<token file>'): StaticToken[] {
  const byToken = new Map<string, UserInfo>();
  for (const record of parseCsv(content)) {
    if (record.length < 3) {
      throw new Error(
        `token file '${path}' must have at least 3 columns (token, user name, user uid), found ${record.length}`,
      );
    }
    const [token, name, uid] = record as [string, string, string];
    if (token === '') continue;
    const user: UserInfo = { username: name, uid, groups: [] };
    // Go's strings.Split: an empty fourth column is one empty group, as upstream.
    if (record.length >= 4) user.groups = record[3]!.split(',');
    byToken.delete(token);
    byToken.set(token, user);
  }
  return [...byToken].map(([token, user]) => ({ token, user }));
}

export class StaticTokenAuthenticator implements TokenAuthenticator {
  private readonly entries: { digest: Buffer; user: UserInfo }[];

  constructor(tokens: readonly StaticToken[]) {
    this.entries = tokens.map((t) => ({ digest: secretDigest(t.token), user: t.user }));
  }

  static fromFile(path: string): StaticTokenAuthenticator {
    return new StaticTokenAuthenticator(parseTokenFile(readFileSync(path, 'utf8'), path));
  }

  async authenticateToken(token: string): Promise<AuthResult | undefined> {
    const d = secretDigest(token);
    let found: UserInfo | undefined;
    // Visit every entry so the time taken does not reveal which one matched.
    for (const e of this.entries) if (digestsEqual(e.digest, d)) found = e.user;
    if (!found) return undefined;
    return { user: { ...found, groups: [...found.groups] } };
  }
}
