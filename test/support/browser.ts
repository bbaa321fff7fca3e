import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureBinaries, type SystemBinary } from '../../scripts/local-stack/binaries.js';

/**
 * Browser tests drive Debian's own chromium through playwright-core (no downloaded browser
 * build): installed with apt-get when missing, as the local stack installs redis-server.
 */
export const CHROMIUM: SystemBinary = { command: 'chromium', debianPackage: 'chromium' };

/** Screenshots land here (in .gitignore), for a person to look at after a run. */
export const ARTIFACTS_DIR = resolve(import.meta.dirname, '../../test-artifacts');

export async function launchChromium(): Promise<Browser> {
  ensureBinaries([CHROMIUM]);
  const executablePath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  // --no-sandbox: the tests run as root, where chromium refuses its sandbox.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface WatchedPage {
  page: Page;
  /** Page errors, console errors (CSP violations are reported there) and failed requests. */
  problems: string[];
  /** Every alert(), confirm() or prompt() the page opened: an injected script would. */
  dialogs: string[];
}

/** A fresh page in its own context (its own localStorage), with everything that goes wrong recorded. */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { page, problems, dialogs };
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return resolve(ARTIFACTS_DIR, name);
}
