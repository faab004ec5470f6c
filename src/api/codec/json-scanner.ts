/**
 * A byte-level JSON syntax checker that reports errors with the exact wording of
 * Go's encoding/json scanner (`invalid character 'x' looking for beginning of
 * value`, `unexpected end of JSON input`, ...) — apiserver error messages embed
 * them, and clients match on them — and, in the same pass, the field paths of
 * duplicated object keys, formatted like sigs.k8s.io/json's strict decoder:
 * `metadata.name`, `spec.containers[0].image`, `[1].path` (top-level array).
 *
 * Iterative (an explicit stack), so hostile nesting cannot overflow the call
 * stack; nesting deeper than Go's limit (10000) is an error, as in Go.
 */
export interface ScanResult {
  /** Go's syntax error text, or undefined when the input is valid JSON. */
  error?: string;
  duplicates: string[];
}

const MAX_DEPTH = 10000;
const EOF_ERROR = 'unexpected end of JSON input';

interface Frame {
  object: boolean;
  path: string;
  /** Array: index of the current element. */
  index: number;
  /** Object: the key whose value is being read, and the keys seen so far. */
  key: string;
  keys: Set<string> | undefined;
}

/** Go's quoteChar: how a byte is shown in a syntax error. */
export function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = {
    7: '\\a',
    8: '\\b',
    9: '\\t',
    10: '\\n',
    11: '\\v',
    12: '\\f',
    13: '\\r',
    92: '\\\\',
  };
  if (named[c]) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  // Go converts the byte to a rune (Latin-1), then quotes it.
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u${c.toString(16).padStart(4, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

class SyntaxFailure {
  constructor(readonly message: string) {}
}

const invalid = (c: number, context: string) => new SyntaxFailure(`invalid character ${quoteChar(c)} ${context}`);
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export function scanJSON(b: Uint8Array, collectDuplicates = true): ScanResult {
  const duplicates: string[] = [];
  const stack: Frame[] = [];
  const n = b.length;
  let i = 0;

  const skipSpace = () => {
    while (i < n && isSpace(b[i])) i++;
  };
  const peek = (): number => {
    if (i >= n) throw new SyntaxFailure(EOF_ERROR);
    return b[i];
  };

  // Reads a string starting at its opening quote; returns its decoded value when asked.
  const readString = (decode: boolean): string => {
    const start = i;
    i++;
    let escaped = false;
    for (;;) {
      const c = peek();
      if (c === 0x22) break;
      if (c < 0x20) throw invalid(c, 'in string literal');
      if (c === 0x5c) {
        escaped = true;
        i++;
        const e = peek();
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            i++;
            const h = peek();
            if (!isHex(h)) throw invalid(h, 'in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          throw invalid(e, 'in string escape code');
        }
      }
      i++;
    }
    i++;
    if (!decode) return '';
    return escaped
      ? (JSON.parse(utf8.decode(b.subarray(start, i))) as string)
      : utf8.decode(b.subarray(start + 1, i - 1));
  };

  const readNumber = () => {
    if (b[i] === 0x2d) {
      i++;
      const c = peek();
      if (!isDigit(c)) throw invalid(c, 'in numeric literal');
    }
    if (b[i] === 0x30) i++;
    else while (i < n && isDigit(b[i])) i++;
    if (i < n && b[i] === 0x2e) {
      i++;
      const c = peek();
      if (!isDigit(c)) throw invalid(c, 'after decimal point in numeric literal');
      while (i < n && isDigit(b[i])) i++;
    }
    if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      let c = peek();
      if (c === 0x2b || c === 0x2d) {
        i++;
        c = peek();
      }
      if (!isDigit(c)) throw invalid(c, 'in exponent of numeric literal');
      while (i < n && isDigit(b[i])) i++;
    }
  };

  const readLiteral = (word: string) => {
    for (let k = 1; k < word.length; k++) {
      i++;
      const c = peek();
      if (c !== word.charCodeAt(k)) throw invalid(c, `in literal ${word} (expecting '${word[k]}')`);
    }
    i++;
  };

  // Reads an object key (at its quote), records duplicates, and consumes the colon.
  const readKey = (frame: Frame) => {
    const c = peek();
    if (c !== 0x22) throw invalid(c, 'looking for beginning of object key string');
    const key = readString(collectDuplicates);
    if (collectDuplicates) {
      if (frame.keys!.has(key)) duplicates.push(frame.path ? `${frame.path}.${key}` : key);
      frame.keys!.add(key);
    }
    frame.key = key;
    skipSpace();
    const colon = peek();
    if (colon !== 0x3a) throw invalid(colon, 'after object key');
    i++;
    skipSpace();
  };

  const childPath = (): string => {
    const parent = stack.at(-1);
    if (!parent) return '';
    if (parent.object) return parent.path ? `${parent.path}.${parent.key}` : parent.key;
    return `${parent.path}[${parent.index}]`;
  };

  try {
    skipSpace();
    for (;;) {
      // A value starts at i.
      const c = peek();
      if (c === 0x7b || c === 0x5b) {
        if (stack.length >= MAX_DEPTH) throw invalid(c, 'exceeded max depth');
        const object = c === 0x7b;
        const frame: Frame = { object, path: childPath(), index: 0, key: '', keys: object ? new Set() : undefined };
        stack.push(frame);
        i++;
        skipSpace();
        const close = peek();
        if (close === (object ? 0x7d : 0x5d)) {
          i++;
          stack.pop();
        } else {
          if (object) readKey(frame);
          continue;
        }
      } else if (c === 0x22) readString(false);
      else if (c === 0x2d || isDigit(c)) readNumber();
      else if (c === 0x74) readLiteral('true');
      else if (c === 0x66) readLiteral('false');
      else if (c === 0x6e) readLiteral('null');
      else throw invalid(c, 'looking for beginning of value');

      // After a value: close containers until one expects another element.
      for (;;) {
        skipSpace();
        const top = stack.at(-1);
        if (!top) {
          if (i < n) throw invalid(b[i], 'after top-level value');
          return { duplicates };
        }
        const d = peek();
        if (d === 0x2c) {
          i++;
          skipSpace();
          if (top.object) readKey(top);
          else top.index++;
          break;
        }
        if (d === (top.object ? 0x7d : 0x5d)) {
          i++;
          stack.pop();
          continue;
        }
        throw invalid(d, top.object ? 'after object key:value pair' : 'after array element');
      }
    }
  } catch (e) {
    if (e instanceof SyntaxFailure) return { error: e.message, duplicates };
    throw e;
  }
}
