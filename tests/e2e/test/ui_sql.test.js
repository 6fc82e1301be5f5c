// The SQL page of the web UI (docs/sql.md): a query typed and run with Ctrl+Enter answers the
// same rows as POST /api/2.0/tracelake/sql, shows column types and NULLs, keeps agent markup as
// text, puts the query in the URL (a link runs it again), says when rows were cut, downloads the
// whole result as CSV (formula-looking cells defused), and shows SQL errors and refused writes
// as messages, not crashes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { memoryTracer, SpanKind, SpanStatusCode } from '../lib/otel.js';
import { sendSpans } from '../lib/ui_data.js';
import { assertNoProblems, launchBrowser, openPage, screenshot, uiSkipReason } from '../lib/ui_browser.js';

const HOSTILE = '<img src=x onerror=alert(1)>';

describe('ui sql', { skip: uiSkipReason() }, () => {
  let server, rest, browser, page, context, problems, experimentId;
  const names = [];

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('sql-ui');
    const mt = memoryTracer();
    const t0 = Date.now() - 600 * 1000;
    for (let i = 0; i < 30; i++) {
      const name = i === 29 ? HOSTILE : i === 28 ? '=HYPERLINK("http://x")' : `agent-${String(i).padStart(2, '0')}`;
      names.push(name);
      const s = mt.tracer.startSpan(name, { kind: SpanKind.SERVER, startTime: t0 + i * 1000,
        attributes: { 'gen_ai.request.model': i % 2 ? 'gpt-4o' : 'claude-3', 'user.id': `u${i % 3}` } });
      s.setStatus({ code: i % 5 === 0 ? SpanStatusCode.ERROR : SpanStatusCode.OK });
      s.end(t0 + i * 1000 + 100 + i);
    }
    await sendSpans(server, experimentId, mt.finished());
    await mt.shutdown();
    browser = await launchBrowser();
    ({ page, context, problems } = await openPage(browser));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stopCleanly();
    server?.removeDataDir();
  });

  const editor = () => page.locator('#sql-editor');
  const headers = () => page.$$eval('table.sql-result thead th', (ths) => ths.map((th) => th.firstChild.textContent));
  const cells = () => page.$$eval('table.sql-result tbody tr', (rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));

  async function runTyped(sql) {
    await editor().fill(sql);
    await editor().press('Control+Enter');
  }

  test('a query runs with Ctrl+Enter and shows the rows the API answers', async () => {
    await page.goto(`${server.url}/sql`);
    await page.locator('a[data-link="sql"][aria-current="page"]').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'sql-editor', 'the editor has the focus');
    const sql = `SELECT name, json_extract(attributes, '$."gen_ai.request.model"') AS model, NULL AS missing
                 FROM otel_spans WHERE name LIKE 'agent-0%' ORDER BY name`;
    await runTyped(sql);
    await page.locator('table.sql-result tbody tr').first().waitFor();
    assert.deepEqual(await headers(), ['name', 'model', 'missing']);
    const api = await rest.ok('POST', '/api/2.0/tracelake/sql', { query: sql, max_rows: 1000 });
    const shown = await cells();
    assert.equal(shown.length, 10);
    assert.deepEqual(shown.map((r) => r.slice(0, 2)), api.rows.map((r) => r.slice(0, 2)));
    assert.equal(shown[0][2], 'NULL');
    assert.match(await page.locator('.sql-status').textContent(), /^10 rows in \d+ ms/);
    // The query is in the URL: opening the link runs it again.
    const url = page.url();
    assert.match(url, /\/sql\?q=/);
    await page.goto('about:blank');
    await page.goto(url);
    await page.locator('table.sql-result tbody tr').first().waitFor();
    assert.equal((await cells()).length, 10);
    assertNoProblems(problems);
    await screenshot(page, 'sql');
  });

  test('agent text stays text, and the CSV is whole with formulas defused', async () => {
    await runTyped('SELECT name, execution_duration_ms FROM traces ORDER BY request_time_ms');
    await page.waitForFunction(() => document.querySelectorAll('table.sql-result tbody tr').length === 30);
    const shown = await cells();
    assert.equal(shown[29][0], HOSTILE);
    assert.equal(await page.locator('table.sql-result img').count(), 0, 'no element made from agent text');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('button[data-action="csv"]').click(),
    ]);
    assert.equal(download.suggestedFilename(), 'tracelake-query.csv');
    const csv = fs.readFileSync(await download.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'name,execution_duration_ms');
    assert.equal(lines.length, 31);
    assert.equal(lines[1], 'agent-00,100');
    assert.equal(lines[29], `"'=HYPERLINK(""http://x"")",128`);
    assert.equal(lines[30], `${HOSTILE},129`);
    assertNoProblems(problems);
  });

  test('rows past Max rows are cut and it says so; errors are messages', async () => {
    await page.selectOption('.sql-tools select >> nth=0', '100');
    await runTyped('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) SELECT i FROM n');
    await page.locator('.sql-warn').waitFor();
    assert.match(await page.locator('.sql-warn').textContent(), /cut at 100 rows/);
    assert.equal((await cells()).length, 100);

    await runTyped('SELEC nonsense');
    const banner = page.locator('.error.banner');
    await banner.waitFor();
    assert.match(await banner.textContent(), /INVALID_PARAMETER_VALUE/);
    assert.equal(await page.locator('table.sql-result').count(), 0);

    await runTyped("DELETE FROM otel_spans WHERE name = 'agent-00'");
    await page.waitForFunction(() => /may not be modified|is refused/.test(document.querySelector('.error.banner')?.textContent ?? ''));
    const still = await rest.ok('POST', '/api/2.0/tracelake/sql', { query: "SELECT count(*) AS n FROM traces", max_rows: 10 });
    assert.equal(still.rows[0][0], 30, 'nothing was deleted');

    // An example fills the editor; the editor keeps the focus.
    await page.selectOption('.sql-tools select >> nth=1', 'Errors by span name');
    assert.match(await editor().inputValue(), /STATUS_CODE_ERROR/);
    await editor().press('Control+Enter');
    await page.locator('table.sql-result tbody tr').first().waitFor();
    assert.deepEqual(await headers(), ['name', 'errors']);
    assertNoProblems(problems, { allowHttpErrors: true });
  });
});
