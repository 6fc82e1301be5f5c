// A 10,000-span trace in the web UI: it opens, stays virtualized (few rows in the DOM), and a
// span deep inside can be found by name and inspected.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { seedBigTrace } from '../lib/ui_data.js';
import { assertNoProblems, launchBrowser, openPage, screenshot, uiSkipReason } from '../lib/ui_browser.js';

const SPANS = 10000;

describe('ui big trace', { skip: uiSkipReason() }, () => {
  let server, browser, experimentId, big;

  before(async () => {
    server = await startServer();
    const rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('big-traces');
    big = await seedBigTrace(server, experimentId, SPANS);
    assert.equal(big.spanCount, SPANS);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stopCleanly();
    server?.removeDataDir();
  });

  test('10,000 spans: open, virtualized, find, expand all, scroll', async () => {
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${server.url}/experiments/${experimentId}/traces/${big.id}`);
    await page.locator('.wf-row').first().waitFor();
    assert.match(await page.locator('.tv-meta').innerText(), /10,000 spans/);
    // Opened with the steps collapsed: root + steps.
    assert.equal(Number(await page.getAttribute('.waterfall', 'data-row-count')), 1 + big.steps);
    const domRows = () => page.locator('.wf-row').count();
    assert.ok(await domRows() < 150, `virtualized: ${await domRows()} rows in the DOM`);

    const target = `step-${big.steps - 3} tool-17`;
    await page.fill('input[name=find-span]', target);
    await page.press('input[name=find-span]', 'Enter');
    await page.locator('.span-detail h3', { hasText: target }).waitFor();
    await page.locator(`.wf-row.sel[data-span-name="${target}"]`).waitFor();
    await screenshot(page, 'big-trace');

    await page.click('button:has-text("expand all")');
    await page.waitForFunction((n) => Number(document.querySelector('.waterfall')?.dataset.rowCount) === n, SPANS);
    assert.ok(await domRows() < 150, `still virtualized: ${await domRows()} rows in the DOM`);
    await page.$eval('.waterfall', (el) => { el.scrollTop = el.scrollHeight; });
    // The last step's children are the last rows.
    const nearEnd = `step-${big.steps - 1} tool-40`;
    await page.locator(`.wf-row[data-span-name="${nearEnd}"]`).waitFor();
    await page.click(`.wf-row[data-span-name="${nearEnd}"]`);
    await page.keyboard.press('k');
    await page.locator('.span-detail h3', { hasText: `step-${big.steps - 1} tool-39` }).waitFor();
    assertNoProblems(problems);
    await context.close();
  });
});
