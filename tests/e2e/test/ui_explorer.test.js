// The web UI in Chromium against the real server: experiments, the traces list (previews,
// tokens, paging, sorting, live refresh), search (good and bad filters, full text, quick
// filters, the URL), keyboard, and a trace's span tree and span details.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { memoryTracer, recordAgentTrace, SpanStatusCode } from '../lib/otel.js';
import { seedAgentTraces, sendSpans } from '../lib/ui_data.js';
import { assertNoProblems, launchBrowser, openPage, screenshot, uiSkipReason } from '../lib/ui_browser.js';

const N = 60;
const ERRORS = 3;

describe('ui explorer', { skip: uiSkipReason() }, () => {
  let server, rest, browser, experimentId, traces, errorIds;

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('support-agent');
    await rest.createExperiment('checkout-agent');
    traces = await seedAgentTraces(server, experimentId, N);
    // A few failing runs, older than the agent traces.
    const mt = memoryTracer();
    const t0 = Date.now() - 3 * 3600 * 1000;
    for (let i = 0; i < ERRORS; i++) {
      const s = mt.tracer.startSpan(`failing-run-${i}`, { startTime: t0 + i * 1000,
        attributes: { 'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: `broken request ${i}` }]) } });
      s.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 500' });
      s.end(t0 + i * 1000 + 2500);
    }
    errorIds = mt.finished().map((s) => `tr-${s.spanContext().traceId}`);
    await sendSpans(server, experimentId, mt.finished());
    await rest.ok('PATCH', `/api/3.0/mlflow/traces/${traces[N - 1].id}/tags`, { key: 'env', value: 'prod' });
    for (const [i, value] of [[N - 1, 'yes'], [N - 2, 'no']]) {
      await rest.ok('POST', `/api/3.0/mlflow/traces/${traces[i].id}/assessments`, { assessment: {
        assessment_name: 'relevance', source: { source_type: 'LLM_JUDGE', source_id: 'judge' }, feedback: { value } } });
    }
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stopCleanly();
    server?.removeDataDir();
  });

  const rowIds = (page) => page.$$eval('table.traces tbody tr', (rows) => rows.map((r) => r.dataset.traceId));
  const waitRows = (page, n) => page.waitForFunction(
    (n) => document.querySelectorAll('table.traces tbody tr').length === n &&
           document.querySelector('table.traces')?.getAttribute('aria-busy') === 'false', n);

  test('experiments: list, open, create', async () => {
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${server.url}/`);
    await page.locator('table.experiments').getByText('support-agent').waitFor();
    await page.locator('table.experiments').getByText('checkout-agent').waitFor();
    await screenshot(page, 'experiments');
    await page.fill('input[name=experiment-name]', 'created-in-ui');
    await page.click('form.create button[type=submit]');
    await page.waitForURL(/\/experiments\/\d+$/);
    const id = page.url().split('/').pop();
    const exp = await rest.ok('GET', `/api/2.0/mlflow/experiments/get?experiment_id=${id}`);
    assert.equal(exp.experiment.name, 'created-in-ui');
    await page.locator('.empty').getByText('No traces yet').waitFor();
    await page.goto(`${server.url}/`);
    await page.locator('table.experiments a', { hasText: 'support-agent' }).click();
    await page.waitForURL(new RegExp(`/experiments/${experimentId}$`));
    await waitRows(page, 50);
    assertNoProblems(problems);
    await context.close();
  });

  test('traces list: previews, tokens, cost, tags, server-side paging and sorting', async () => {
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await waitRows(page, 50);
    const first = page.locator('table.traces tbody tr').first();
    assert.equal(await first.getAttribute('data-trace-id'), traces[N - 1].id, 'newest first');
    const cells = await first.locator('td').allInnerTexts();
    assert.match(cells[2], /What is the capital of France\? \(ui-59\)/, 'request preview');
    assert.match(cells[3], /Paris is the capital of France\. \(ui-59\)/, 'response preview');
    assert.match(cells[5], /700 ms/, 'duration');
    assert.equal(cells[6].trim(), '250', 'tokens: 120+30 and 80+20');
    assert.match(cells[7].trim(), /^\$0\.\d+$/, 'cost from the shipped price table');
    assert.match(cells[8], /env: prod/, 'tags');
    assert.match(cells[9], /relevance: yes/, 'assessments');
    await page.locator(`tr[data-trace-id="${traces[N - 2].id}"] .badge.assess.fail`).waitFor();
    await screenshot(page, 'traces');

    await page.click('button[aria-label="Next page"]');
    await waitRows(page, N + ERRORS - 50);
    const page2 = await rowIds(page);
    assert.deepEqual(page2.slice(-ERRORS), [...errorIds].reverse(), 'oldest (the failing runs) last');
    await page.click('button[aria-label="Previous page"]');
    await waitRows(page, 50);

    // Oldest first: the server sorts (the failing runs are on no page the browser has seen).
    await page.click('button[data-sort=time]');
    await page.waitForURL(/order=timestamp_ms\+ASC/);
    await page.waitForFunction((id) => document.querySelector('table.traces tbody tr')?.dataset.traceId === id, errorIds[0]);
    await page.click('button[data-sort=duration]');
    await page.waitForURL(/order=execution_time_ms\+DESC/);
    await page.waitForFunction((ids) => ids.includes(document.querySelector('table.traces tbody tr')?.dataset.traceId), errorIds);
    assertNoProblems(problems);
    await context.close();
  });

  test('search: filter, full text, quick filters, bad filter, URL state', async () => {
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await waitRows(page, 50);

    await page.fill('input[name=filter]', "text ILIKE '%(ui-42)%'");
    await page.press('input[name=filter]', 'Enter');
    await waitRows(page, 1);
    assert.deepEqual(await rowIds(page), [traces[42].id]);
    // The URL holds the search: a fresh page opened on it shows the same.
    const shared = page.url();
    assert.match(shared, /filter=/);
    const other = await context.newPage();
    await other.goto(shared);
    await waitRows(other, 1);
    assert.equal(await other.inputValue('input[name=filter]'), "text ILIKE '%(ui-42)%'");
    await other.close();

    // Full-text box and a quick filter, combined with the filter.
    await page.fill('input[name=filter]', '');
    await page.fill('input[name=q]', 'broken request');
    await page.press('input[name=q]', 'Enter');
    await waitRows(page, ERRORS);
    await page.fill('input[name=q]', '');
    await page.press('input[name=q]', 'Enter');
    await waitRows(page, 50);
    await page.selectOption('select[name=state]', 'ERROR');
    await waitRows(page, ERRORS);
    assert.match(page.url(), /state=ERROR/);
    await page.selectOption('select[name=mindur]', '1000');
    await waitRows(page, ERRORS);
    await page.selectOption('select[name=state]', '');
    await waitRows(page, ERRORS);  // only the failing runs last over a second
    await page.selectOption('select[name=mindur]', '');
    await page.fill('input[name=tag]', 'env=prod');
    await page.press('input[name=tag]', 'Enter');
    await waitRows(page, 1);
    assert.deepEqual(await rowIds(page), [traces[N - 1].id]);
    await page.click('button:has-text("Clear")');
    await waitRows(page, 50);

    // A bad filter: the server's message, pointed at the user's text.
    await page.fill('input[name=filter]', 'status = OK');
    await page.press('input[name=filter]', 'Enter');
    const err = page.locator('.filter-error');
    await err.waitFor();
    const text = await err.innerText();
    assert.match(text, /Invalid filter/);
    assert.match(text, /Unquoted string value 'OK' at position 10/);
    assert.match(text, /status = OK\n {9}\^/, 'caret under the bad token');
    assert.equal(await page.locator('table.traces tbody tr').count(), 0);
    await page.selectOption('select[name=state]', 'OK');  // position still maps into the user's text
    await page.waitForFunction(() => /position 10/.test(document.querySelector('.filter-error')?.textContent ?? ''));
    await page.click('button:has-text("Filter help")');
    await page.locator('[data-help=filter]').waitFor();
    await screenshot(page, 'search-error');
    await page.locator('[data-help=filter] button', { hasText: "status = 'ERROR'" }).first().click();
    await page.press('input[name=filter]', 'Enter');
    await page.locator('.filter-error').waitFor({ state: 'detached' });
    assertNoProblems(problems, { allowHttpErrors: true });
    await context.close();
  });

  test('keyboard: j/k, Enter opens, Esc closes, / searches', async () => {
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await waitRows(page, 50);
    const selected = () => page.$eval('table.traces tbody tr.sel', (r) => r.dataset.traceId);
    assert.equal(await selected(), traces[N - 1].id);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('k');
    assert.equal(await selected(), traces[N - 3].id);
    await page.keyboard.press('Enter');
    await page.locator(`.trace-view[data-trace-id="${traces[N - 3].id}"]`).waitFor();
    await page.locator('.wf-row').first().waitFor();
    // In the trace: j/k move through spans.
    const span = () => page.$eval('.wf-row.sel', (r) => r.dataset.spanName);
    assert.equal(await span(), 'agent.run');
    await page.keyboard.press('j');
    assert.equal(await span(), 'chat gpt-4o');
    await page.keyboard.press('ArrowDown');
    assert.equal(await span(), 'execute_tool lookup');
    await page.keyboard.press('k');
    assert.equal(await span(), 'chat gpt-4o');
    await page.keyboard.press('Escape');
    await page.locator('.trace-view').waitFor({ state: 'detached' });
    assert.equal(new URL(page.url()).pathname, `/experiments/${experimentId}`);
    assert.equal(await selected(), traces[N - 3].id, 'the list kept its place');
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'filter');
    await page.keyboard.press('Escape');
    assert.notEqual(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'filter');
    assertNoProblems(problems);
    await context.close();
  });

  test('trace view: span tree, waterfall, chat, tool error, tokens, attributes, find', async () => {
    const t = traces[7];
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${server.url}/experiments/${experimentId}/traces/${t.id}`);
    await page.locator('.wf-row').first().waitFor();
    const names = await page.$$eval('.wf-row', (rows) => rows.map((r) => r.dataset.spanName));
    assert.deepEqual(names, ['agent.run', 'chat gpt-4o', 'execute_tool lookup', 'retrieve docs', 'chat gpt-4o-mini']);
    // Root: the conversation from gen_ai.input/output.messages.
    await page.locator('.chat .msg-user').getByText(t.question).waitFor();
    await page.locator('.chat .msg-assistant').getByText(t.answer).waitFor();
    await screenshot(page, 'trace');

    await page.click('.wf-row[data-span-name="execute_tool lookup"]');
    await page.locator('.span-detail .exception').getByText('lookup failed: upstream timeout').waitFor();
    await page.locator('.span-detail .error').getByText('lookup failed').first().waitFor();
    await page.click('.wf-row[data-span-name="chat gpt-4o"]');
    await page.locator('.span-detail .tokens').getByText('120 in · 30 out').waitFor();
    await page.click('.tabs button:has-text("Attributes")');
    await page.locator('table.kv th', { hasText: 'gen_ai.request.model' }).waitFor();
    await page.click('.tabs button:has-text("Events")');
    await page.locator('.event').getByText('gen_ai.first_token').waitFor();
    assert.match(page.url(), /span=[0-9a-f]{16}/, 'the selected span is in the URL');

    // Find a span by name; collapse and expand.
    await page.fill('input[name=find-span]', 'retrieve');
    await page.press('input[name=find-span]', 'Enter');
    await page.locator('.span-detail h3', { hasText: 'retrieve docs' }).waitFor();
    await page.click('.wf-row[data-span-name="execute_tool lookup"] button.tw');
    await page.locator('.wf-row[data-span-name="retrieve docs"]').waitFor({ state: 'detached' });
    await page.click('.wf-row[data-span-name="execute_tool lookup"] button.tw');
    await page.locator('.wf-row[data-span-name="retrieve docs"]').waitFor();
    assertNoProblems(problems);
    await context.close();
  });

  test('live: new traces appear on page 1 and the selection stays', async () => {
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await waitRows(page, 50);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    const before = await page.$eval('table.traces tbody tr.sel', (r) => r.dataset.traceId);
    // A trace that starts now: newer than every listed one.
    const mt = memoryTracer();
    const s = mt.tracer.startSpan('live-arrival', { startTime: Date.now() });
    s.end(Date.now() + 5);
    await sendSpans(server, experimentId, mt.finished());
    const liveId = `tr-${s.spanContext().traceId}`;
    await page.waitForFunction((id) => document.querySelector('table.traces tbody tr')?.dataset.traceId === id, liveId);
    assert.equal(await page.$eval('table.traces tbody tr.sel', (r) => r.dataset.traceId), before, 'selection kept');
    assertNoProblems(problems);
    await context.close();
  });

  test('a fragmented trace says so', async () => {
    // The root and the tool span never arrive: chat calls hang off a missing parent, the
    // retrieval off a missing tool span.
    const fragExperiment = await rest.createExperiment('fragments');
    const mt = memoryTracer();
    const rec = recordAgentTrace(mt, { tag: 'fragment' });
    await sendSpans(server, fragExperiment, [rec.spans.chat1, rec.spans.retrieve, rec.spans.chat2]);
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${server.url}/experiments/${fragExperiment}`);
    await page.locator(`tr[data-trace-id="tr-${rec.traceId}"] .badge.frag`).waitFor();
    await page.click(`tr[data-trace-id="tr-${rec.traceId}"]`);
    await page.locator('[data-notice=fragmented]').waitFor();
    assert.equal(await page.locator('.wf-row .orphan').count(), 3, 'every received span is an orphan root');
    assertNoProblems(problems);
    await context.close();
  });
});
