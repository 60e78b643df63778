import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../src/report/index.js';
import { fixtureReport } from './report-fixtures.js';
import { launchReportBrowser, type ReportBrowser } from './report-browser.js';

interface SmallReportDrawing {
  eventMarks: number[];
  labelBands: number;
  trainBands: number;
  scorePathLength: number;
  thresholdLines: number;
  seriesCharts: { pathLength: number; eventBands: number; renderedWidth: number }[];
  eventRows: number;
  trainingPaths: number;
  labelsFound: number;
}

interface LargeReportDrawing {
  eventMarks: number;
  flagMarks: number;
  vertices: number;
  thresholdPath: number;
}

let browser: ReportBrowser;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rnnad-report-'));
  browser = await launchReportBrowser();
});

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

async function openReport(name: string, html: string) {
  const path = join(dir, name);
  await writeFile(path, html);
  return browser.open(path);
}

describe('HTML report in headless Chromium', () => {
  it('draws every chart, event and label, logs no errors and fetches nothing', async () => {
    const input = fixtureReport({
      rows: 5000,
      anomalies: [
        [2000, 2010],
        [3500, 3500],
        [4200, 4300],
      ],
      labels: [
        [1990, 2050],
        [4000, 4100],
      ],
      trainRows: 1500,
    });
    const { page, errors, blockedRequests } = await openReport('small.html', renderHtmlReport(input));
    expect(errors).toEqual([]);
    expect(blockedRequests).toEqual([]);

    // In-page code is passed as text: the project compiles without DOM typings.
    const drawn = await page.evaluate<SmallReportDrawing>(`(() => {
      const score = document.querySelector('svg.score-chart');
      return {
        eventMarks: [...score.querySelectorAll('rect.event-mark')].map((r) => r.getBBox().width),
        labelBands: score.querySelectorAll('rect.label-band').length,
        trainBands: score.querySelectorAll('rect.train-band').length,
        scorePathLength: score.querySelector('path.score-line').getTotalLength(),
        thresholdLines: score.querySelectorAll('line.threshold').length,
        seriesCharts: [...document.querySelectorAll('svg.series-chart')].map((svg) => ({
          pathLength: svg.querySelector('path.series-line').getTotalLength(),
          eventBands: svg.querySelectorAll('rect.event-band').length,
          renderedWidth: svg.getBoundingClientRect().width,
        })),
        eventRows: document.querySelectorAll('tr.event-row').length,
        trainingPaths: document.querySelectorAll('svg.training-chart path').length,
        labelsFound: document.querySelectorAll('table.labels .yes').length,
      };
    })()`);
    expect(drawn.eventMarks).toHaveLength(3);
    for (const width of drawn.eventMarks) expect(width).toBeGreaterThan(0);
    expect(drawn.labelBands).toBe(2);
    expect(drawn.trainBands).toBe(1);
    expect(drawn.scorePathLength).toBeGreaterThan(500);
    expect(drawn.thresholdLines).toBe(1);
    expect(drawn.seriesCharts).toHaveLength(2);
    for (const chart of drawn.seriesCharts) {
      expect(chart.pathLength).toBeGreaterThan(500);
      expect(chart.eventBands).toBe(3);
      expect(chart.renderedWidth).toBeGreaterThan(800);
    }
    expect(drawn.eventRows).toBe(3);
    expect(drawn.trainingPaths).toBe(2);
    // Only the first labelled window overlaps an event.
    expect(drawn.labelsFound).toBe(1);
    await page.close();
  });

  it('shows row, time and score under the pointer and highlights a clicked event', async () => {
    const input = fixtureReport({ rows: 800, anomalies: [[400, 400]] });
    const { page, errors } = await openReport('hover.html', renderHtmlReport(input));
    const mark = page.locator('svg.score-chart rect.event-mark');
    const box = (await mark.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const readout = await page.locator('#readout').innerText();
    // 800 rows fit in the plot width, so the pointer maps to an exact row near 400, and the
    // timestamp of row 400 is 400 five-minute steps after 2014-01-01 00:00 = 2014-01-02 09:20.
    const row = Number(/row (\d+)/.exec(readout)?.[1]);
    expect(Math.abs(row - 400)).toBeLessThanOrEqual(1);
    expect(readout).toMatch(/2014-01-02 09:(15|20|25):00/);
    expect(readout).toMatch(/anomaly score: score/);
    await page.locator('tr.event-row').first().click();
    expect(await mark.getAttribute('class')).toContain('selected');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps a one-million-row report small and quick to render', async () => {
    const rows = 1_000_000;
    const input = fixtureReport({
      rows,
      anomalies: [
        [200_000, 200_010],
        [700_000, 700_000],
      ],
      trainRows: 100_000,
      varyingThreshold: true,
    });
    const html = renderHtmlReport(input);
    expect(html.length).toBeLessThan(400_000);
    const { page, errors, loadMs } = await openReport('large.html', html);
    expect(loadMs).toBeLessThan(5000);
    expect(errors).toEqual([]);
    const drawn = await page.evaluate<LargeReportDrawing>(`(() => {
      const score = document.querySelector('svg.score-chart');
      const d = score.querySelector('path.score-line').getAttribute('d') || '';
      return {
        eventMarks: score.querySelectorAll('rect.event-mark').length,
        flagMarks: score.querySelectorAll('circle.flag-mark').length,
        vertices: (d.match(/[ML]/g) || []).length,
        thresholdPath: score.querySelectorAll('path.threshold').length,
      };
    })()`);
    expect(drawn.eventMarks).toBe(2);
    // Both anomalies are flagged, and each lands in its own pixel column.
    expect(drawn.flagMarks).toBe(2);
    expect(drawn.vertices).toBeGreaterThan(500);
    expect(drawn.vertices).toBeLessThanOrEqual(2 * 1000 + 10);
    expect(drawn.thresholdPath).toBe(1);
    await page.close();
  });
});
