// The dashboard in Chromium against the real server: the five views read their numbers from
// the metrics API; the test reads chart values back from the page (data-value attributes),
// clicks a bar through to the filtered traces list, and checks trace cost in the list and view.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { context, memoryTracer, SpanStatusCode, trace } from '../lib/otel.js';
import { sendSpans } from '../lib/ui_data.js';
import { assertNoProblems, launchBrowser, openPage, screenshot, uiSkipReason } from '../lib/ui_browser.js';

const HOUR = 3600e3;

// 9 traces 15 minutes apart from t0: 4 in the first hour, 4 in the second, 1 in the third; an
// llm call each (gpt-4o, or an unpriced model every third); every third root fails.
function buildTraces(t0) {
  const mt = memoryTracer();
  const out = [];
  for (let i = 0; i < 9; i++) {
    const start = t0 + i * 15 * 60e3 + 1000;
    const root = mt.tracer.startSpan('agent', { startTime: start });
    const ctx = trace.setSpan(context.active(), root);
    const model = i % 3 === 2 ? 'mystery-llm' : 'gpt-4o';
    const llm = mt.tracer.startSpan('llm', { startTime: start + 5, attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model,
      'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 100 } }, ctx);
    llm.end(start + 205);
    if (i % 3 === 0) {
      root.recordException({ name: 'ValueError', message: 'bad' });
      root.setStatus({ code: SpanStatusCode.ERROR });
    }
    root.end(start + 300);
    out.push({ id: `tr-${root.spanContext().traceId}`, model });
  }
  return { spans: mt.finished(), traces: out };
}

describe('ui dashboard', { skip: uiSkipReason() }, () => {
  let server, rest, browser, experimentId, t0, traces;

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('dash-agent');
    t0 = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
    const built = buildTraces(t0);
    traces = built.traces;
    await sendSpans(server, experimentId, built.spans);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stopCleanly();
    server?.removeDataDir();
  });

  const values = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.getAttribute('data-value')));

  test('charts show the metrics API numbers; a bar opens its traces', async () => {
    const { page, context: ctx, problems } = await openPage(browser);
    const url = `${server.url}/experiments/${experimentId}/dashboard?start=${t0}&end=${t0 + 3 * HOUR}&bucket=${HOUR}`;
    await page.goto(url);
    await page.waitForSelector('[data-chart="trace_count"] .bar');
    assert.deepEqual(await values(page, '[data-chart="trace_count"] .bar'), ['4', '4', '1']);
    assert.deepEqual(await values(page, '[data-chart="error_count"] .bar'), ['2', '1', '0']);
    assert.deepEqual(await values(page, '[data-chart="error_rate"] .bar'), ['0.5', '0.25', '0']);
    const p50 = (await values(page, '.dot[data-series="p50"]')).map(Number);
    assert.equal(p50.length, 3);
    for (const v of p50) assert.ok(Math.abs(v - 300) <= 3, `p50 ${v}`);
    assert.equal(await page.textContent('[data-total="trace_count"]'), '9');
    // Tokens and cost per model; the unknown model is unpriced, not $0.
    const row = (table, model, metric) => page.getAttribute(
      `[data-table="${table}"] tr[data-group="${model}"] [data-metric="${metric}"]`, 'data-value');
    assert.equal(await row('model_tokens', 'gpt-4o', 'input_tokens'), '6000');
    assert.equal(await row('model_tokens', 'mystery-llm', 'total_tokens'), '3300');
    assert.ok(Math.abs(Number(await row('model_cost', 'gpt-4o', 'cost_usd')) - 6 * (1000 * 2.5 + 100 * 10) / 1e6) < 1e-9);
    assert.equal(await row('model_cost', 'mystery-llm', 'cost_usd'), '');
    assert.match(await page.textContent('[data-table="model_cost"] tr[data-group="mystery-llm"]'), /unpriced/);
    assert.equal(await page.getAttribute('[data-table="error_type"] tr[data-group="ValueError"] [data-metric="span_error_count"]', 'data-value'), '3');
    assert.equal(await page.getAttribute('[data-table="span_name"] tr[data-group="llm"] [data-metric="span_count"]', 'data-value'), '9');
    await screenshot(page, 'dashboard');

    // Click-through: the second hour's bar lists exactly its 4 traces.
    await page.locator('[data-chart="trace_count"] .bar').nth(1).click();
    await page.waitForURL((u) => u.pathname === `/experiments/${experimentId}` && u.searchParams.has('filter'));
    const filter = new URL(page.url()).searchParams.get('filter');
    assert.match(filter, new RegExp(`timestamp_ms >= ${t0 + HOUR} AND timestamp_ms < ${t0 + 2 * HOUR}`));
    await page.waitForFunction(() => document.querySelectorAll('table.traces tbody tr').length === 4 &&
      document.querySelector('table.traces')?.getAttribute('aria-busy') === 'false');
    assertNoProblems(problems);
    await ctx.close();
  });

  test('a model row and an error-type row open exactly their traces, by click or keyboard', async () => {
    const { page, context: ctx, problems } = await openPage(browser);
    const dash = `${server.url}/experiments/${experimentId}/dashboard?start=${t0}&end=${t0 + 3 * HOUR}&bucket=${HOUR}`;
    const listed = async (expectedIds) => {
      await page.waitForURL((u) => u.pathname === `/experiments/${experimentId}` && u.searchParams.has('filter'));
      await page.waitForFunction((n) => document.querySelectorAll('table.traces tbody tr').length === n &&
        document.querySelector('table.traces')?.getAttribute('aria-busy') === 'false', expectedIds.length);
      const ids = await page.$$eval('table.traces tbody tr', (rows) => rows.map((r) => r.getAttribute('data-trace-id')));
      assert.deepEqual(ids.sort(), [...expectedIds].sort());
      return new URL(page.url()).searchParams.get('filter');
    };
    await page.goto(dash);
    await page.click('[data-table="model_cost"] tr[data-group="mystery-llm"]');
    const byModel = await listed(traces.filter((t) => t.model === 'mystery-llm').map((t) => t.id));
    assert.match(byModel, /span\.model = 'mystery-llm'/);

    await page.goto(dash);
    await page.waitForSelector('[data-table="error_type"] tr[data-group="ValueError"]');
    await page.focus('[data-table="error_type"] tr[data-group="ValueError"]');
    await page.keyboard.press('Enter');
    const byError = await listed(traces.filter((_, i) => i % 3 === 0).map((t) => t.id));
    assert.match(byError, /span\.error_type = 'ValueError'/);
    assertNoProblems(problems);
    await ctx.close();
  });

  test('filtering the dashboard narrows every panel', async () => {
    const { page, context: ctx, problems } = await openPage(browser);
    const f = encodeURIComponent("status = 'ERROR'");
    await page.goto(`${server.url}/experiments/${experimentId}/dashboard?start=${t0}&end=${t0 + 3 * HOUR}&bucket=${HOUR}&filter=${f}`);
    await page.waitForSelector('[data-source="raw"]');
    assert.deepEqual(await values(page, '[data-chart="trace_count"] .bar'), ['2', '1', '0']);
    assert.equal(await page.getAttribute('[data-table="model_tokens"] tr[data-group="gpt-4o"] [data-metric="input_tokens"]', 'data-value'), '3000');
    assertNoProblems(problems);
    await ctx.close();
  });

  test('trace cost in the traces list and the trace view', async () => {
    const { page, context: ctx, problems } = await openPage(browser);
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await page.click('[data-link="dashboard"]');
    await page.waitForURL((u) => u.pathname.endsWith('/dashboard'));
    await page.goto(`${server.url}/experiments/${experimentId}`);
    const priced = traces[0].id;
    const unpriced = traces[2].id;
    const cell = (id) => `tr[data-trace-id="${id}"] td[data-cost]`;
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-cost') !== '' &&
      document.querySelector(sel) !== null, cell(priced));
    const cost = Number(await page.getAttribute(cell(priced), 'data-cost'));
    assert.ok(Math.abs(cost - (1000 * 2.5 + 100 * 10) / 1e6) < 1e-12, String(cost));
    assert.match(await page.textContent(cell(priced)), /^\$0\.0035$/);
    await page.waitForFunction((sel) => /unpriced/.test(document.querySelector(sel)?.textContent ?? ''), cell(unpriced));
    await page.click(`tr[data-trace-id="${priced}"]`);
    await page.waitForSelector('.trace-view .tv-meta [data-cost]');
    await page.waitForFunction(() => /\$0\.0035/.test(document.querySelector('.trace-view .tv-meta [data-cost]')?.textContent ?? ''));
    assertNoProblems(problems);
    await ctx.close();
  });
});
