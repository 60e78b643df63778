/**
 * telemanom's label table (labeled_anomalies.csv): one row per evaluated channel with its
 * spacecraft and the anomalous test ranges (0-based, inclusive). P-2 has two rows with
 * different ranges; telemanom evaluates every row, so both are kept and the channel counts
 * twice, which is how the 105 labelled sequences of the paper arise.
 */
import { readFile } from 'node:fs/promises';
import type { IndexRange } from '../../src/eval/index.js';
import { InvalidDataError } from '../../src/core/errors.js';

export interface NasaLabelRow {
  /** Position in the table, unique even when a channel repeats. */
  row: number;
  channel: string;
  spacecraft: 'SMAP' | 'MSL';
  sequences: IndexRange[];
  classes: string[];
  testLength: number;
}

/** Splits one CSV line, honouring double-quoted fields (the sequence lists contain commas). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export async function readNasaLabels(csvPath: string): Promise<NasaLabelRow[]> {
  const lines = (await readFile(csvPath, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new InvalidDataError(`${csvPath}: missing column "${name}"`);
    return i;
  };
  const [cChan, cCraft, cSeq, cClass, cLen] = ['chan_id', 'spacecraft', 'anomaly_sequences', 'class', 'num_values'].map(
    col,
  );
  return lines.slice(1).map((line, row) => {
    const cells = splitCsvLine(line);
    const spacecraft = cells[cCraft!];
    if (spacecraft !== 'SMAP' && spacecraft !== 'MSL')
      throw new InvalidDataError(`${csvPath} line ${row + 2}: unknown spacecraft "${spacecraft}"`);
    const pairs = JSON.parse(cells[cSeq!] ?? '') as [number, number][];
    return {
      row,
      channel: cells[cChan!]!,
      spacecraft,
      sequences: pairs.map(([start, end]) => ({ start, end })),
      classes: (cells[cClass!] ?? '')
        .replace(/[[\]]/g, '')
        .split(',')
        .map((c) => c.trim()),
      testLength: Number(cells[cLen!]),
    };
  });
}
