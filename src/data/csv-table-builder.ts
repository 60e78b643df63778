import { InvalidArgumentError, InvalidDataError } from '../core/errors.js';
import { ChunkedColumn } from './chunked-column.js';
import type { CsvFieldSink } from './csv-tokenizer.js';
import type { ResolvedCsvOptions } from './csv-options.js';
import { asciiText, MissingTokens, parseDecimal } from './text-number.js';
import { TimeSeries } from './time-series.js';
import type { EpochUnit } from './timestamps.js';
import { epochToMs, guessEpochUnit, looksLikeTimeColumnName, parseTimestampBytes } from './timestamps.js';

const SKIP = -2;
const TIMESTAMP = -1;
const FLOAT32_MAX = 3.4028234663852886e38;
const DATE_FORMATS = 'YYYY-MM-DD[ HH:MM[:SS[.fraction]]][Z|±HH:MM]';

interface NumericColumn {
  name: string;
  source: number;
  chosen: boolean;
  data: ChunkedColumn<Float32Array> | null;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Turns tokenized CSV fields into a TimeSeries. The header gives the names; the first data row
 * decides which column holds timestamps and whether they are dates or epoch numbers; every later
 * cell is parsed straight into a growing per-column buffer. Errors name the column, the data row
 * (0-based, as in the resulting series) and the file line.
 */
export class CsvTableBuilder implements CsvFieldSink {
  private phase: 'header' | 'first' | 'data';
  private names: string[] = [];
  private firstRow: Uint8Array[] = [];
  private roles = new Int32Array(0);
  private numeric: NumericColumn[] = [];
  private timestampColumn = -1;
  private timestampKind: 'date' | EpochUnit = 'date';
  private timestamps: ChunkedColumn<Float64Array> | null = null;
  private readonly missingTokens: MissingTokens;
  private fieldIndex = 0;
  private rows = 0;

  constructor(
    private readonly options: ResolvedCsvOptions,
    private readonly currentLine: () => number,
  ) {
    this.phase = options.header ? 'header' : 'first';
    this.missingTokens = new MissingTokens(options.missingValues);
  }

  field(bytes: Uint8Array, start: number, end: number): void {
    if (this.phase === 'data') {
      const column = this.fieldIndex++;
      if (column >= this.roles.length) throw this.fieldCountError('more than');
      const role = this.roles[column]!;
      if (role >= 0) this.numericCell(role, bytes, start, end);
      else if (role === TIMESTAMP) this.timestampCell(bytes, start, end);
    } else if (this.phase === 'header') {
      this.names.push(utf8.decode(bytes.subarray(start, end)).trim());
    } else {
      this.firstRow.push(bytes.slice(start, end));
    }
  }

  endRow(): void {
    if (this.phase === 'data') {
      if (this.fieldIndex !== this.roles.length) throw this.fieldCountError(this.fieldIndex);
      this.fieldIndex = 0;
      this.rows++;
    } else if (this.phase === 'header') {
      this.nameColumns();
      this.phase = 'first';
    } else {
      this.assignRoles();
      this.phase = 'data';
      for (const cell of this.firstRow) this.field(cell, 0, cell.length);
      this.firstRow = [];
      this.endRow();
    }
  }

  finish(): TimeSeries {
    if (this.phase === 'header') throw new InvalidDataError('the CSV input is empty', 'ERR_CSV_PARSE');
    if (this.phase === 'first')
      throw new InvalidDataError('the CSV input has a header row but no data rows', 'ERR_CSV_PARSE');
    const kept = this.numeric.filter((c) => c.data !== null);
    if (kept.length === 0) {
      throw new InvalidDataError(
        `the CSV input has no numeric columns (columns: ${this.names.map((n) => `"${n}"`).join(', ')})`,
      );
    }
    const values = new Float32Array(this.rows * kept.length);
    kept.forEach((c, k) => c.data!.copyInto(values, k, kept.length));
    let timestamps: Float64Array | undefined;
    if (this.timestamps) {
      timestamps = new Float64Array(this.rows);
      this.timestamps.copyInto(timestamps, 0, 1);
    }
    return new TimeSeries({ values, columnNames: kept.map((c) => c.name), ...(timestamps ? { timestamps } : {}) });
  }

  private nameColumns(): void {
    const seen = new Set<string>();
    this.names = this.names.map((name, i) => {
      const given = name.length > 0 ? name : `column_${i}`;
      if (seen.has(given)) {
        throw new InvalidDataError(
          `the header names column "${given}" twice; column names must be unique`,
          'ERR_CSV_PARSE',
        );
      }
      seen.add(given);
      return given;
    });
  }

  private resolveColumn(what: string, column: string | number): number {
    if (typeof column === 'number') {
      if (column >= this.names.length) {
        throw new InvalidArgumentError(
          `${what} is column index ${column} but the file has ${this.names.length} columns`,
        );
      }
      return column;
    }
    const index = this.names.indexOf(column);
    if (index < 0) {
      throw new InvalidArgumentError(
        `${what} is "${column}", which is not a column of the file (columns: ${this.names.map((n) => `"${n}"`).join(', ')})`,
      );
    }
    return index;
  }

  private findTimestampColumn(): void {
    const { timestamp, timestampUnit } = this.options;
    const first = this.firstRow;
    const kindOf = (column: number): 'date' | EpochUnit | null => {
      const cell = first[column]!;
      if (Number.isFinite(parseTimestampBytes(cell, 0, cell.length))) return 'date';
      const number = parseDecimal(cell, 0, cell.length);
      if (Number.isFinite(number)) return timestampUnit === 'auto' ? guessEpochUnit(number) : timestampUnit;
      return null;
    };
    if (timestamp === false) return;
    if (timestamp !== undefined) {
      const column = this.resolveColumn('options.timestamp', timestamp);
      const kind = kindOf(column);
      if (kind === null) {
        throw new InvalidDataError(
          `timestamp column "${this.names[column]}" has ${JSON.stringify(utf8.decode(first[column]!))} at row 0 (line ${this.currentLine()}), ` +
            `which is neither a date (${DATE_FORMATS}) nor an epoch number`,
        );
      }
      this.timestampColumn = column;
      this.timestampKind = kind;
      return;
    }
    const explicitNumeric = new Set((this.options.columns ?? []).map((c) => this.resolveColumn('options.columns', c)));
    for (let c = 0; c < this.names.length; c++) {
      if (explicitNumeric.has(c) || !looksLikeTimeColumnName(this.names[c]!)) continue;
      const kind = kindOf(c);
      if (kind !== null) {
        this.timestampColumn = c;
        this.timestampKind = kind;
        return;
      }
    }
    for (let c = 0; c < this.names.length; c++) {
      const cell = first[c]!;
      if (!explicitNumeric.has(c) && Number.isFinite(parseTimestampBytes(cell, 0, cell.length))) {
        this.timestampColumn = c;
        this.timestampKind = 'date';
        return;
      }
    }
  }

  private assignRoles(): void {
    if (!this.options.header) {
      this.names = this.firstRow.map((_, i) => `column_${i}`);
    } else if (this.firstRow.length !== this.names.length) {
      throw this.fieldCountError(this.firstRow.length, this.names.length);
    }
    this.findTimestampColumn();
    this.roles = new Int32Array(this.names.length).fill(SKIP);
    if (this.timestampColumn >= 0) {
      this.roles[this.timestampColumn] = TIMESTAMP;
      this.timestamps = new ChunkedColumn((n) => new Float64Array(n));
    }
    const chosen = this.options.columns;
    const sources = chosen
      ? chosen.map((c) => this.resolveColumn('options.columns', c))
      : this.names.map((_, i) => i).filter((i) => i !== this.timestampColumn);
    sources.forEach((source, k) => {
      if (this.roles[source] === TIMESTAMP) {
        throw new InvalidArgumentError(
          `options.columns includes "${this.names[source]}", which is the timestamp column; pass options.timestamp: false to read it as a number`,
        );
      }
      if (this.roles[source] !== SKIP)
        throw new InvalidArgumentError(`options.columns names column "${this.names[source]}" twice`);
      this.roles[source] = k;
      this.numeric.push({
        name: this.names[source]!,
        source,
        chosen: chosen !== undefined,
        data: new ChunkedColumn((n) => new Float32Array(n)),
      });
    });
  }

  private numericCell(slot: number, bytes: Uint8Array, start: number, end: number): void {
    let value = parseDecimal(bytes, start, end, this.options.decimal, true);
    if (Number.isNaN(value)) {
      if (!this.missingTokens.matches(bytes, start, end)) {
        this.nonNumericCell(slot, bytes, start, end);
        return;
      }
    } else if (!(Math.abs(value) <= FLOAT32_MAX)) {
      if (this.options.nonFinite === 'error') {
        throw new InvalidDataError(
          `column "${this.numeric[slot]!.name}" has ${JSON.stringify(asciiText(bytes, start, end).trim())} at row ${this.rows} (line ${this.currentLine()}), ` +
            `which is infinite or beyond float32 range; pass { nonFinite: 'missing' } to treat such cells as missing`,
        );
      }
      value = NaN;
    }
    this.numeric[slot]!.data!.push(value);
  }

  private nonNumericCell(slot: number, bytes: Uint8Array, start: number, end: number): void {
    const column = this.numeric[slot]!;
    if (this.options.nonNumeric === 'ignore' && !column.chosen) {
      column.data = null;
      this.roles[column.source] = SKIP;
      return;
    }
    throw new InvalidDataError(
      `column "${column.name}" has a non-numeric value ${JSON.stringify(utf8.decode(bytes.subarray(start, end)))} at row ${this.rows} (line ${this.currentLine()}); ` +
        (column.chosen
          ? 'it was requested in options.columns'
          : `choose numeric columns with options.columns or pass { nonNumeric: 'ignore' } to skip such columns`),
    );
  }

  private timestampCell(bytes: Uint8Array, start: number, end: number): void {
    const kind = this.timestampKind;
    const ms =
      kind === 'date' ? parseTimestampBytes(bytes, start, end) : epochToMs(parseDecimal(bytes, start, end), kind);
    if (!Number.isFinite(ms)) {
      const text = utf8.decode(bytes.subarray(start, end));
      const expected =
        kind === 'date' ? `a date like the first row's (${DATE_FORMATS})` : "an epoch number like the first row's";
      throw new InvalidDataError(
        `timestamp column "${this.names[this.timestampColumn]}" has ${text.trim() === '' ? 'an empty cell' : JSON.stringify(text)} at row ${this.rows} (line ${this.currentLine()}); expected ${expected}`,
      );
    }
    this.timestamps!.push(ms);
  }

  private fieldCountError(fields: number | 'more than', expected = this.roles.length): InvalidDataError {
    const found = fields === 'more than' ? `more than ${expected} fields` : `${fields} field${fields === 1 ? '' : 's'}`;
    return new InvalidDataError(
      `line ${this.currentLine()} has ${found} but the ${this.options.header ? 'header' : 'first row'} has ${expected}`,
      'ERR_CSV_PARSE',
    );
  }
}
