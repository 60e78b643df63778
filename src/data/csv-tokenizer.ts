import { InvalidDataError } from '../core/errors.js';

/**
 * RFC 4180 tokenizer as a byte state machine fed chunk by chunk. Fields come out as byte ranges:
 * an unquoted field that lies inside one chunk is passed as a range of that chunk (no copy);
 * quoted fields and fields cut by a chunk boundary are assembled in a reusable scratch buffer.
 * Rows end at LF, CRLF or a lone CR. Blank lines are skipped. Inside quotes, "" is a quote and
 * delimiters and line breaks are data.
 */

export interface CsvFieldSink {
  field(bytes: Uint8Array, start: number, end: number): void;
  endRow(): void;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
  AfterClosingQuote,
}

export class CsvTokenizer {
  /** 1-based line on which the current row started (for error messages). */
  rowLine = 1;
  private line = 1;
  private state = State.FieldStart;
  private fieldsInRow = 0;
  private skipLineFeed = false;
  private scratch = new Uint8Array(256);
  private scratchLength = 0;
  private carrying = false;
  private quoteLine = 0;

  constructor(
    private readonly delimiter: number,
    private readonly sink: CsvFieldSink,
  ) {}

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    const delimiter = this.delimiter;
    let i = 0;
    if (this.skipLineFeed && n > 0) {
      this.skipLineFeed = false;
      if (chunk[0] === LF) i = 1;
    }
    while (i < n) {
      switch (this.state) {
        case State.FieldStart: {
          if (chunk[i] === QUOTE) {
            this.state = State.Quoted;
            this.scratchLength = 0;
            this.quoteLine = this.line;
            i++;
          } else {
            this.state = State.Unquoted;
            this.carrying = false;
          }
          break;
        }
        case State.Unquoted: {
          let j = i;
          while (j < n) {
            const c = chunk[j]!;
            if (c === delimiter || c === LF || c === CR) break;
            j++;
          }
          if (j === n) {
            if (!this.carrying) this.scratchLength = 0;
            this.append(chunk, i, n);
            this.carrying = true;
            i = n;
            break;
          }
          if (this.carrying) {
            this.append(chunk, i, j);
            this.endField(this.scratch, 0, this.scratchLength, chunk[j]!, false);
          } else {
            this.endField(chunk, i, j, chunk[j]!, false);
          }
          i = j + 1;
          if (chunk[j] === CR) i = this.afterCarriageReturn(chunk, i);
          break;
        }
        case State.Quoted: {
          let j = i;
          while (j < n && chunk[j] !== QUOTE) {
            if (chunk[j] === LF) this.line++;
            j++;
          }
          this.append(chunk, i, j);
          if (j < n) this.state = State.QuoteInQuoted;
          i = j + 1;
          break;
        }
        case State.QuoteInQuoted: {
          const c = chunk[i]!;
          if (c === QUOTE) {
            this.append(chunk, i, i + 1);
            this.state = State.Quoted;
            i++;
          } else if (c === delimiter || c === LF || c === CR) {
            this.endField(this.scratch, 0, this.scratchLength, c, true);
            i = c === CR ? this.afterCarriageReturn(chunk, i + 1) : i + 1;
          } else if (c === SPACE || c === TAB) {
            this.state = State.AfterClosingQuote;
            i++;
          } else {
            throw this.textAfterQuote(c);
          }
          break;
        }
        case State.AfterClosingQuote: {
          const c = chunk[i]!;
          if (c === delimiter || c === LF || c === CR) {
            this.endField(this.scratch, 0, this.scratchLength, c, true);
            i = c === CR ? this.afterCarriageReturn(chunk, i + 1) : i + 1;
          } else if (c === SPACE || c === TAB) {
            i++;
          } else {
            throw this.textAfterQuote(c);
          }
          break;
        }
      }
    }
  }

  /** Flushes the last row of input that does not end with a line break. */
  finish(): void {
    switch (this.state) {
      case State.Quoted:
        throw new InvalidDataError(`a quoted field opened on line ${this.quoteLine} is never closed`, 'ERR_CSV_PARSE');
      case State.Unquoted:
        if (!this.carrying) this.scratchLength = 0;
        this.endField(this.scratch, 0, this.scratchLength, LF, false);
        break;
      case State.QuoteInQuoted:
      case State.AfterClosingQuote:
        this.endField(this.scratch, 0, this.scratchLength, LF, true);
        break;
      case State.FieldStart:
        // A delimiter just before the end of input leaves one empty last field.
        if (this.fieldsInRow > 0) this.endField(this.scratch, 0, 0, LF, false);
        break;
    }
  }

  private afterCarriageReturn(chunk: Uint8Array, next: number): number {
    if (next < chunk.length) return chunk[next] === LF ? next + 1 : next;
    this.skipLineFeed = true;
    return next;
  }

  private endField(bytes: Uint8Array, start: number, end: number, terminator: number, quoted: boolean): void {
    this.state = State.FieldStart;
    if (terminator === this.delimiter) {
      this.sink.field(bytes, start, end);
      this.fieldsInRow++;
      return;
    }
    const blankLine = this.fieldsInRow === 0 && start === end && !quoted;
    if (!blankLine) {
      this.sink.field(bytes, start, end);
      this.sink.endRow();
    }
    this.fieldsInRow = 0;
    this.line++;
    this.rowLine = this.line;
  }

  private append(chunk: Uint8Array, start: number, end: number): void {
    const needed = this.scratchLength + (end - start);
    if (needed > this.scratch.length) {
      const grown = new Uint8Array(Math.max(needed, this.scratch.length * 2));
      grown.set(this.scratch.subarray(0, this.scratchLength));
      this.scratch = grown;
    }
    this.scratch.set(chunk.subarray(start, end), this.scratchLength);
    this.scratchLength = needed;
  }

  private textAfterQuote(byte: number): InvalidDataError {
    return new InvalidDataError(
      `line ${this.line}: unexpected character ${JSON.stringify(String.fromCharCode(byte))} after the closing quote of a field ` +
        '(a quote inside a quoted field must be doubled: "")',
      'ERR_CSV_PARSE',
    );
  }
}
