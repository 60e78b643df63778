import { InvalidDataError } from '../core/errors.js';
import type { ResolvedCsvOptions } from './csv-options.js';
import { CsvTableBuilder } from './csv-table-builder.js';
import { CsvTokenizer } from './csv-tokenizer.js';
import { fillMissing } from './missing-values.js';
import type { TimeSeries } from './time-series.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const CANDIDATE_DELIMITERS = [0x2c, 0x3b, 0x09]; // , ; tab

/**
 * CSV bytes in, TimeSeries out. Holds back the input only until the first line is complete
 * (to strip a UTF-8 byte order mark and detect the delimiter), then streams every chunk
 * through the tokenizer into per-column buffers.
 */
export class CsvParser {
  private head: Uint8Array[] | null = [];
  private headLength = 0;
  private tokenizer: CsvTokenizer | null = null;
  private readonly builder: CsvTableBuilder;

  constructor(private readonly options: ResolvedCsvOptions) {
    this.builder = new CsvTableBuilder(options, () => this.tokenizer?.rowLine ?? 1);
  }

  push(chunk: Uint8Array): void {
    if (this.tokenizer) {
      this.tokenizer.push(chunk);
      return;
    }
    this.head!.push(chunk);
    this.headLength += chunk.length;
    const joined = this.joinHead();
    if (firstLineEnd(joined) >= 0) this.start(joined);
  }

  finish(): TimeSeries {
    if (!this.tokenizer) this.start(this.joinHead());
    this.tokenizer!.finish();
    const series = this.builder.finish();
    return this.options.missing === 'keep' ? series : fillMissing(series, this.options.missing);
  }

  private joinHead(): Uint8Array {
    const parts = this.head!;
    if (parts.length === 1) return parts[0]!;
    const joined = new Uint8Array(this.headLength);
    let at = 0;
    for (const part of parts) {
      joined.set(part, at);
      at += part.length;
    }
    this.head = [joined];
    return joined;
  }

  private start(head: Uint8Array): void {
    let body = head;
    if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
    else if ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff)) {
      throw new InvalidDataError('the CSV input is UTF-16 encoded; save it as UTF-8', 'ERR_CSV_PARSE');
    }
    const delimiter =
      this.options.delimiter === 'auto' ? detectDelimiter(body, this.options.decimal) : this.options.delimiter;
    this.head = null;
    this.tokenizer = new CsvTokenizer(delimiter, this.builder);
    this.tokenizer.push(body);
  }
}

/** Index of the first line break outside quotes, or -1 if the first line is not complete yet. */
function firstLineEnd(bytes: Uint8Array): number {
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) quoted = !quoted;
    else if (!quoted && (b === LF || b === CR)) return i;
  }
  return -1;
}

function detectDelimiter(bytes: Uint8Array, decimal: number): number {
  const end = firstLineEnd(bytes);
  const counts = new Map<number, number>(CANDIDATE_DELIMITERS.filter((d) => d !== decimal).map((d) => [d, 0]));
  let quoted = false;
  for (let i = 0; i < (end < 0 ? bytes.length : end); i++) {
    const b = bytes[i]!;
    if (b === QUOTE) quoted = !quoted;
    else if (!quoted && counts.has(b)) counts.set(b, counts.get(b)! + 1);
  }
  let best = decimal === 0x2c ? 0x3b : 0x2c;
  let bestCount = 0;
  for (const [d, n] of counts) {
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}
