import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLabels } from '../src/cli/labels.js';
import { readCsv } from '../src/data/read-csv.js';
import { loadNabCorpus } from '../src/eval/nab/corpus.js';
import { REPO } from './cli-helpers.js';

const DATA = join(REPO, 'examples', 'data');
const SHARED = join(REPO, '..', 'shared', 'datasets');

const NAB_FILES = [
  'realKnownCause/machine_temperature_system_failure.csv',
  'realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv',
  'realAdExchange/exchange-4_cpc_results.csv',
];

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

describe('bundled example data', () => {
  it('is byte-identical to the published files', async () => {
    const sums = new Map(
      (await readFile(join(SHARED, 'SHA256SUMS'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => {
          const [hash, path] = line.split(/\s+/);
          return [path!.replace(/^\.\//, ''), hash!];
        }),
    );
    const copies: [string, string][] = [
      ...NAB_FILES.map((f): [string, string] => [f.split('/')[1]!, `nab/data/${f}`]),
      ['smap/G-7.train.npy.gz', 'smap_msl/train/G-7.npy.gz'],
      ['smap/G-7.test.npy.gz', 'smap_msl/test/G-7.npy.gz'],
      [
        'ucr/136_UCR_Anomaly_InternalBleeding17_1600_3198_3309.txt',
        'ucr/136_UCR_Anomaly_InternalBleeding17_1600_3198_3309.txt',
      ],
    ];
    for (const [bundled, original] of copies) {
      expect(sums.get(original), original).toBeDefined();
      expect(await sha256(join(DATA, bundled)), bundled).toBe(sums.get(original));
    }
  });

  it("resolves each labels file to the rows NAB's own loader finds", async () => {
    const corpus = await loadNabCorpus({ dataDir: join(SHARED, 'nab', 'data'), files: NAB_FILES });
    for (const file of corpus.files) {
      const name = file.name.split('/')[1]!;
      const csv = join(DATA, name);
      const series = await readCsv(csv);
      const labels = await readLabels(join(DATA, name.replace('.csv', '.labels.json')), series, csv);
      expect(labels, name).toEqual(file.windows.map((w) => ({ start: w.start, end: w.end })));
    }
  });

  it('keeps the SMAP label row of its channel', async () => {
    const text = await readFile(join(DATA, 'smap', 'G-7.labels.csv'), 'utf8');
    const shared = (await readFile(join(SHARED, 'smap_msl', 'labeled_anomalies.csv'), 'utf8')).split('\n');
    expect(text.trimEnd().split('\n')).toEqual([shared[0], shared.find((l) => l.startsWith('G-7,'))]);
  });
});
