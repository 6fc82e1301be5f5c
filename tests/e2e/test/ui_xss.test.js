// Agent inputs and outputs are untrusted: script in span names, messages, attributes, tags,
// assessments and experiment names must stay text in every view.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { memoryTracer, SpanKind, context as otelContext, trace as otelTrace } from '../lib/otel.js';
import { sendSpans } from '../lib/ui_data.js';
import { assertNoProblems, launchBrowser, openPage, uiSkipReason } from '../lib/ui_browser.js';

const IMG = '<img src=x onerror="window.__pwned=1;alert(1)">';
const SCRIPT = '<script>window.__pwned=2;alert(2)</script>';
const SVG = '<svg onload="window.__pwned=3">';
const LINK = 'javascript:window.__pwned=4';
const PAYLOAD = `${IMG}${SCRIPT}${SVG} ${LINK} "'><b class="xss-marker">bold</b>`;

describe('ui xss', { skip: uiSkipReason() }, () => {
  let server, rest, browser, experimentId, traceId;

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment(`exp ${IMG}`);
    const mt = memoryTracer();
    const t0 = Date.now() - 60000;
    const root = mt.tracer.startSpan(`agent ${IMG}`, { kind: SpanKind.SERVER, startTime: t0, attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `question ${PAYLOAD}` }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: `answer ${PAYLOAD}` }] }]),
      [`attr ${SCRIPT}`]: PAYLOAD,
    } });
    const child = mt.tracer.startSpan(`tool ${SCRIPT}`, { startTime: t0 + 1, attributes: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.call.arguments': JSON.stringify({ [`key ${IMG}`]: PAYLOAD, nested: { html: SVG } }),
    } }, otelTrace.setSpan(otelContext.active(), root));
    child.addEvent(`event ${IMG}`, { detail: PAYLOAD }, t0 + 2);
    child.recordException({ name: `Err ${IMG}`, message: PAYLOAD }, t0 + 3);
    child.end(t0 + 4);
    root.end(t0 + 10);
    traceId = `tr-${root.spanContext().traceId}`;
    await sendSpans(server, experimentId, mt.finished());
    await rest.ok('PATCH', `/api/3.0/mlflow/traces/${traceId}/tags`, { key: `k${IMG}`, value: PAYLOAD });
    await rest.ok('POST', `/api/3.0/mlflow/traces/${traceId}/assessments`, { assessment: {
      assessment_name: `judge ${IMG}`, source: { source_type: 'CODE', source_id: SCRIPT },
      feedback: { value: PAYLOAD }, rationale: PAYLOAD } });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stopCleanly();
    server?.removeDataDir();
  });

  async function assertInert(page) {
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'payload ran');
    const injected = await page.$$eval('#app img, #app script, #app svg, #app iframe, #app .xss-marker', (els) => els.length);
    assert.equal(injected, 0, 'payload became elements');
    assert.equal(await page.$$eval('#app a[href^="javascript:"]', (els) => els.length), 0);
  }

  test('every view shows the payload as text', async () => {
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${server.url}/`);
    await page.locator('table.experiments').getByText(`exp ${IMG}`).waitFor();
    await assertInert(page);

    await page.goto(`${server.url}/experiments/${experimentId}`);
    await page.locator(`table.traces tr[data-trace-id="${traceId}"]`).waitFor();
    assert.match(await page.locator('table.traces tbody').innerText(), /question <img src=x onerror=/);
    await assertInert(page);

    await page.click(`table.traces tr[data-trace-id="${traceId}"]`);
    await page.locator('.chat .msg-user').waitFor();
    assert.ok((await page.locator('.chat').innerText()).includes(`question ${PAYLOAD}`), 'message text verbatim');
    await assertInert(page);
    await page.click('.tabs button:has-text("Attributes")');
    await page.locator('table.kv').getByText(`attr ${SCRIPT}`).waitFor();
    await assertInert(page);

    await page.click('.wf-row >> nth=1');
    await page.locator('.span-detail h3', { hasText: `tool ${SCRIPT}` }).waitFor();
    assert.ok((await page.locator('.span-detail .exception').innerText()).includes(PAYLOAD));
    await page.click('.tabs button:has-text("Inputs")');
    await page.locator('.json').first().waitFor();
    assert.ok((await page.locator('.tab-body').innerText()).includes(`key ${IMG}`));
    await page.click('.tabs button:has-text("Events")');
    await page.locator('.event').getByText(`event ${IMG}`).waitFor();
    await page.click('.tabs button:has-text("Assessments")');
    await page.locator('.assess-item').getByText(`judge ${IMG}`).waitFor();
    assert.ok((await page.locator('.tv-bar').innerText()).includes(`k${IMG}`), 'tag key as text');
    await assertInert(page);
    assertNoProblems(problems);
    await context.close();
  });
});
