import { ODataError } from './errors.js';

export type Token =
  | { kind: 'identifier'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'date'; value: string; at: number }
  | { kind: 'dateTimeOffset'; value: string; at: number }
  | { kind: 'open' | 'close' | 'comma' | 'end'; at: number };

// OData v4 ABNF: dateValue, dateTimeOffsetValue (seconds optional, offset required), decimal/int.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?(?:Z|[+-]\d{2}:\d{2})/i;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT:])/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Splits a `$filter` value into tokens. Whitespace separates; anything unrecognised is a 400. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === ' ' || ch === '\t') {
      i += 1;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch === '(' ? 'open' : ch === ')' ? 'close' : 'comma', at: i });
      i += 1;
      continue;
    }
    if (ch === "'") {
      const start = i;
      let value = '';
      i += 1;
      for (;;) {
        if (i >= input.length) throw new ODataError('FilterSyntax', `unterminated string literal starting at position ${start}`, 400, start);
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += input[i];
        i += 1;
      }
      tokens.push({ kind: 'string', value, at: start });
      continue;
    }
    const rest = input.slice(i);
    const dateTime = DATE_TIME.exec(rest);
    if (dateTime) {
      const ms = Date.parse(dateTime[0]);
      if (Number.isNaN(ms)) throw new ODataError('FilterSyntax', `invalid date-time literal ${dateTime[0]}`, 400, i);
      tokens.push({ kind: 'dateTimeOffset', value: new Date(ms).toISOString(), at: i });
      i += dateTime[0].length;
      continue;
    }
    const date = DATE.exec(rest);
    if (date) {
      if (Number.isNaN(Date.parse(`${date[0]}T00:00:00Z`))) throw new ODataError('FilterSyntax', `invalid date literal ${date[0]}`, 400, i);
      tokens.push({ kind: 'date', value: date[0], at: i });
      i += date[0].length;
      continue;
    }
    if (/^\d{4}-\d{2}-\d{2}/.test(rest)) throw new ODataError('FilterSyntax', `invalid date or date-time literal at position ${i}`, 400, i);
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const identifier = IDENTIFIER.exec(rest);
    if (identifier) {
      if (input[i + identifier[0].length] === "'") {
        throw new ODataError(
          'UnsupportedSyntax',
          `typed literal ${identifier[0]}'...' at position ${i} is OData v2/v3 syntax; OData v4 writes dates bare (2024-01-31, 2024-01-31T08:00:00Z)`,
          400,
          i,
        );
      }
      tokens.push({ kind: 'identifier', text: identifier[0], at: i });
      i += identifier[0].length;
      continue;
    }
    if (ch === '/') throw new ODataError('UnsupportedSyntax', `navigation paths ('/' at position ${i}) are not supported`, 400, i);
    throw new ODataError('FilterSyntax', `unexpected character '${ch}' at position ${i}`, 400, i);
  }
  tokens.push({ kind: 'end', at: input.length });
  return tokens;
}
