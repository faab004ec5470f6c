import {
  aggregate,
  binaryOperators,
  compareStrings,
  labelKeyError,
  requirementErrors,
  type LabelOperator,
  type Requirement,
} from './requirement.js';

/**
 * The `?labelSelector=` grammar (apimachinery `labels.Parse`): a lexer over
 * identifiers and the symbols `= == != ! ( ) , > <`, and a recursive-descent
 * parser. Error texts are upstream's, since clients show them verbatim.
 * Returns the requirements in input order or the error message.
 */
type Tok = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

interface Item {
  tok: Tok;
  lit: string;
}

const literalTokens: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string) =>
  ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
/** Go's lexer reads a zero byte at the end of input, and treats a NUL in the input the same way. */
const END = '\0';

function lex(s: string): Item[] {
  let pos = 0;
  const read = () => (pos < s.length ? s[pos++]! : END);
  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === END) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    pos--;
    let buf = '';
    if (isSpecial(ch)) {
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === END) break;
        if (!isSpecial(c)) {
          pos--;
          break;
        }
        buf += c;
        const t = literalTokens.get(buf);
        if (t) last = { tok: t, lit: buf };
        else if (last) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
    } else {
      for (;;) {
        const c = read();
        if (c === END) break;
        if (isSpecial(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buf += c;
      }
      items.push({ tok: literalTokens.get(buf) ?? 'id', lit: buf });
    }
  }
}

class SelectorSyntaxError extends Error {}

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  /** In value position the keywords `in`/`notin` are plain identifiers. */
  private peek(values: boolean): Item {
    const it = this.items[this.position]!;
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }
  private next(values: boolean): Item {
    const it = this.peek(values);
    this.position++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === 'eos') return reqs;
      if (tok !== 'id' && tok !== '!')
        throw new SelectorSyntaxError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      let r: Requirement;
      try {
        r = this.requirement();
      } catch (e) {
        if (e instanceof SelectorSyntaxError)
          throw new SelectorSyntaxError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      reqs.push(r);
      const after = this.next(true);
      if (after.tok === 'eos') return reqs;
      if (after.tok !== ',') throw new SelectorSyntaxError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const follow = this.peek(true);
      if (follow.tok !== 'id' && follow.tok !== '!')
        throw new SelectorSyntaxError(`found '${follow.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let operator: LabelOperator | undefined;
    let item = this.next(true);
    if (item.tok === '!') {
      operator = '!';
      item = this.next(true);
    }
    if (item.tok !== 'id') throw new SelectorSyntaxError(`found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const keyErr = labelKeyError(key, '<nil>');
    if (keyErr) throw new SelectorSyntaxError(keyErr);
    const la = this.peek(true).tok;
    if ((la === 'eos' || la === ',') && operator !== '!') operator = 'exists';
    if (operator === 'exists' || operator === '!') return build(key, operator, []);

    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    return build(key, op, values);
  }

  private operator(): LabelOperator {
    const { tok, lit } = this.next(false);
    switch (tok) {
      case 'in':
        return 'in';
      case 'notin':
        return 'notin';
      case '=':
        return '=';
      case '==':
        return '==';
      case '!=':
        return '!=';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new SelectorSyntaxError(`found '${lit}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  /** `(a,b,...)`; empty members are the empty string; the result is a sorted set. */
  private valueSet(): string[] {
    const open = this.next(true);
    if (open.tok !== '(') throw new SelectorSyntaxError(`found '${open.lit}' expected: '('`);
    const first = this.peek(true);
    if (first.tok === ')') {
      this.next(true);
      return [''];
    }
    if (first.tok !== 'id' && first.tok !== ',')
      throw new SelectorSyntaxError(`found '${first.lit}', expected: ',', ')' or identifier`);
    const set = new Set<string>();
    for (;;) {
      const { tok, lit } = this.next(true);
      if (tok === 'id') {
        set.add(lit);
        const la = this.peek(true);
        if (la.tok === ',') continue;
        if (la.tok === ')') break;
        throw new SelectorSyntaxError(`found '${la.lit}', expected: ',' or ')'`);
      } else if (tok === ',') {
        if (set.size === 0) set.add('');
        const la = this.peek(true).tok;
        if (la === ')') {
          set.add('');
          break;
        }
        if (la === ',') {
          this.next(true);
          set.add('');
        }
      } else {
        throw new SelectorSyntaxError(`found '${lit}', expected: ',', or identifier`);
      }
    }
    // Upstream reports the token that followed '(' here, not the one found.
    if (this.next(true).tok !== ')') throw new SelectorSyntaxError(`found '${first.lit}', expected: ')'`);
    return [...set].sort(compareStrings);
  }

  private exactValue(): string[] {
    const la = this.peek(true).tok;
    if (la === 'eos' || la === ',') return [''];
    const { tok, lit } = this.next(true);
    if (tok === 'id') return [lit];
    throw new SelectorSyntaxError(`found '${lit}', expected: identifier`);
  }
}

function build(key: string, operator: LabelOperator, values: string[]): Requirement {
  const errs = requirementErrors(key, operator, values);
  if (errs.length) throw new SelectorSyntaxError(aggregate(errs));
  return { key, operator, values };
}

/** Parses a selector string; returns its requirements (input order) or upstream's error message. */
export function parseRequirements(s: string): Requirement[] | string {
  try {
    return new Parser(lex(s)).parse();
  } catch (e) {
    if (e instanceof SelectorSyntaxError) return e.message;
    throw e;
  }
}
