// Drives Debian's Chromium (apt-get install chromium; scripts/install-deps.sh --test) with
// playwright-core against the real server's web UI. Headless, no sandbox (CI runs as root).
//
// When Chromium or the built UI is missing, UI tests are skipped locally with the reason, and
// fail with it when CI=true (they are required in CI).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot, tracelakeBinary } from './server.js';

export const CHROMIUM = process.env.TRACELAKE_CHROMIUM || '/usr/bin/chromium';
// Generous: a shared 2-core machine running a sanitizer build is slow. Waits are for
// conditions (selectors, text), never fixed sleeps; no test asserts a duration.
export const UI_TIMEOUT_MS = Number(process.env.TRACELAKE_UI_TIMEOUT_MS) || 60000;

function uiDir() {
  try {
    return path.resolve(path.dirname(tracelakeBinary()), '..', 'share', 'tracelake', 'web');
  } catch {
    return '';
  }
}

// false when UI tests can run; otherwise the reason they cannot (CI=true: throws instead).
export function uiSkipReason() {
  let reason = false;
  if (!fs.existsSync(CHROMIUM)) {
    reason = `Chromium not found at ${CHROMIUM}: install it with 'apt-get install chromium' ` +
             `(scripts/install-deps.sh --test) or set TRACELAKE_CHROMIUM`;
  } else {
    const dir = uiDir();
    if (!dir || !fs.existsSync(path.join(dir, 'index.html'))) {
      reason = `the web UI is not built (no ${path.join(dir || '<bin>/../share/tracelake/web', 'index.html')}); ` +
               'build with node and npm installed (see docs/ui.md)';
    }
  }
  if (reason && process.env.CI === 'true') throw new Error(`UI end-to-end tests cannot run: ${reason}`);
  return reason;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    timeout: UI_TIMEOUT_MS,
  });
}

// A page with problems recorded: uncaught errors, console errors (CSP violations appear there),
// and dialogs. alert() / prompt() are never used by the UI, so any one means injected script.
export async function openPage(browser, { viewport = { width: 1440, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(UI_TIMEOUT_MS);
  const problems = { pageErrors: [], consoleErrors: [], alerts: [] };
  page.on('pageerror', (e) => problems.pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') problems.consoleErrors.push(m.text()); });
  page.on('dialog', async (d) => {
    if (d.type() === 'confirm') {
      await d.accept();
    } else {
      problems.alerts.push(`${d.type()}: ${d.message()}`);
      await d.dismiss();
    }
  });
  return { page, context, problems };
}

// Asserts the page saw no uncaught errors, no dialogs and no CSP violations. API errors the
// test provoked on purpose (a bad filter answers 400) show up as console errors naming the
// status; those are allowed with allowHttpErrors.
export function assertNoProblems(problems, { allowHttpErrors = false } = {}) {
  assert.deepEqual(problems.pageErrors, [], 'uncaught errors in the page');
  assert.deepEqual(problems.alerts, [], 'dialogs opened by page content');
  const errors = problems.consoleErrors.filter(
    (t) => !(allowHttpErrors && /status of 4\d\d/.test(t)));
  assert.deepEqual(errors, [], 'console errors in the page');
}

// Saves a screenshot under TRACELAKE_UI_SCREENSHOTS (e.g. docs/screenshots) when set.
export async function screenshot(page, name) {
  const dir = process.env.TRACELAKE_UI_SCREENSHOTS;
  if (!dir) return;
  const out = path.resolve(repoRoot, dir);
  fs.mkdirSync(out, { recursive: true });
  await page.screenshot({ path: path.join(out, `${name}.png`) });
}
