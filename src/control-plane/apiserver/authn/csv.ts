/**
 * A CSV reader with Go `encoding/csv` semantics (Comma ',', variable field
 * counts, strict quotes): quoted fields may contain commas, newlines and `""`;
 * a bare `"` in an unquoted field, or stray text after a closing quote, is a
 * parse error; empty lines are skipped; CRLF is read as LF.
 */
export class CsvParseError extends Error {
  override name = 'CsvParseError';
}

export function parseCsv(text: string): string[][] {
  const s = text.replace(/\r\n/g, '\n');
  const records: string[][] = [];
  let i = 0;
  let line = 1;
  while (i < s.length) {
    if (s[i] === '\n') {
      i++;
      line++;
      continue;
    }
    const recordLine = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (s[i] === '"') {
        const startLine = line;
        i++;
        for (;;) {
          if (i >= s.length) throw err(recordLine, startLine, 'extraneous or missing " in quoted-field');
          const c = s[i]!;
          if (c === '"') {
            if (s[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < s.length && s[i] !== ',' && s[i] !== '\n')
          throw err(recordLine, line, 'extraneous or missing " in quoted-field');
      } else {
        while (i < s.length && s[i] !== ',' && s[i] !== '\n') {
          if (s[i] === '"') throw err(recordLine, line, 'bare " in non-quoted-field');
          field += s[i];
          i++;
        }
      }
      fields.push(field);
      if (i < s.length && s[i] === ',') {
        i++;
        continue;
      }
      if (i < s.length && s[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    records.push(fields);
  }
  return records;
}

function err(recordLine: number, line: number, msg: string): CsvParseError {
  const where =
    recordLine === line ? `parse error on line ${line}` : `record on line ${recordLine}; parse error on line ${line}`;
  return new CsvParseError(`${where}: ${msg}`);
}
