/**
 * Headless Chromium for the report tests: the system `chromium` (Debian package, installed by
 * `.ci/run`) driven by playwright-core, with a fresh profile and every non-file request refused
 * and recorded, so a report that tried to fetch anything would be caught.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface ReportBrowser {
  context: BrowserContext;
  /** Opens a file and collects console errors, page errors and refused requests. */
  open(path: string): Promise<{ page: Page; errors: string[]; blockedRequests: string[]; loadMs: number }>;
  close(): Promise<void>;
}

export async function launchReportBrowser(): Promise<ReportBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'rnnad-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async open(path) {
      const page = await context.newPage();
      const errors: string[] = [];
      const blockedRequests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning')
          errors.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        blockedRequests.push(url);
        return route.abort();
      });
      const started = performance.now();
      await page.goto(`file://${path}`, { waitUntil: 'load' });
      return { page, errors, blockedRequests, loadMs: performance.now() - started };
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
