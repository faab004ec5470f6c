/**
 * CEL failures as values the callers turn into upstream messages: compile
 * errors in cel-go's `ERROR: <input>:line:col: summary` shape, evaluation
 * errors with the summary only.
 */

/** An error raised while evaluating an expression (also thrown by library functions). */
export class CelEvalError extends Error {
  override name = 'CelEvalError';
}

/** Raised when an evaluation exceeds its step or time budget. */
export class CelBudgetError extends CelEvalError {
  override name = 'CelBudgetError';
  constructor() {
    super('operation cancelled: actual cost limit exceeded');
  }
}

interface LibError {
  message?: unknown;
  summary?: unknown;
  range?: { start: number; end: number };
  node?: { start?: number; pos?: number };
}

/** The one-line summary of an error from the CEL library (its message carries a source excerpt). */
export function celErrorSummary(err: unknown): string {
  if (err instanceof CelEvalError) return err.message;
  const e = err as LibError;
  if (typeof e?.summary === 'string' && e.summary) return translate(e.summary);
  const msg = err instanceof Error ? err.message : String(err);
  return translate(msg.split('\n')[0]!.trim());
}

/** cel-go's wording for the library's most common messages. */
function translate(s: string): string {
  const unknownVar = /^Unknown variable: (.+)$/.exec(s);
  if (unknownVar) return `undeclared reference to '${unknownVar[1]}' (in container '')`;
  const noKey = /^No such key: (.+)$/.exec(s);
  if (noKey) return `no such key: ${noKey[1]}`;
  return s;
}

/** Formats a compile error like cel-go's `Issues.Err()`: `ERROR: <input>:L:C: msg` plus the source line and a caret. */
export function formatCompileError(expression: string, err: unknown): string {
  const e = err as LibError;
  const start = e?.range?.start ?? e?.node?.start ?? e?.node?.pos ?? 0;
  const before = expression.slice(0, Math.max(0, Math.min(start, expression.length)));
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = start - lineStart;
  const srcLine = expression.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${col + 1}: ${celErrorSummary(err)}\n | ${srcLine}\n | ${'.'.repeat(col)}^`;
}
