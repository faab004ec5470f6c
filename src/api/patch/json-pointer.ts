/**
 * JSON Pointer (RFC 6901): `/a~1b/0` names key `a/b`, then element 0. `~1`
 * stands for `/` and `~0` for `~`; the empty pointer names the whole document.
 */
export class JsonPointerError extends Error {
  override name = 'JsonPointerError';
}

export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new JsonPointerError(`JSON pointer must be empty or start with a "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw new JsonPointerError(`invalid escape in JSON pointer: ${pointer}`);
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

export function escapeJsonPointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function formatJsonPointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${escapeJsonPointerToken(t)}`).join('');
}

/** An array index token: `0` or a number without leading zeros (`-` is handled by callers). */
export function parseArrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}
