// Evaluation datasets in the web UI: traces picked in the list (keyboard, click, shift-click
// range) become records of a new dataset; the dataset page shows them (inputs and outputs of the
// root span, expectations, the source trace); expectations and inputs are edited, a record is
// added by hand (bad JSON refused inline, the text kept) and one deleted; a dataset is created
// and deleted from the list. Every change is checked through the REST API, and agent text with
// markup stays text.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { memoryTracer, SpanKind, SpanStatusCode } from '../lib/otel.js';
import { sendSpans } from '../lib/ui_data.js';
import { assertNoProblems, launchBrowser, openPage, screenshot, uiSkipReason } from '../lib/ui_browser.js';

const HOSTILE = '<img src=x onerror=alert(1)>';

describe('ui datasets', { skip: uiSkipReason() }, () => {
  let server, rest, browser, page, context, problems, experimentId, traces, datasetId;

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('datasets-ui');
    // Four one-span traces, one second apart, the newest last; the newest asks in markup.
    const mt = memoryTracer();
    const t0 = Date.now() - 120 * 1000;
    traces = [];
    for (let i = 0; i < 4; i++) {
      const inputs = i === 3 ? { question: HOSTILE, context: '<script>alert(2)</script>' }
                             : { question: `What is ${i} + ${i}?`, user: { id: `u${i}` } };
      const outputs = { answer: i === 3 ? '<b>bold</b>' : String(i + i) };
      const s = mt.tracer.startSpan('agent.run', { kind: SpanKind.SERVER, startTime: t0 + i * 1000, attributes: {
        'mlflow.spanInputs': JSON.stringify(inputs), 'mlflow.spanOutputs': JSON.stringify(outputs) } });
      s.setStatus({ code: SpanStatusCode.OK });
      s.end(t0 + i * 1000 + 200);
      traces.push({ id: `tr-${s.spanContext().traceId}`, inputs, outputs });
    }
    await sendSpans(server, experimentId, mt.finished());
    await mt.shutdown();
    // A ground truth on trace 2, as an expectation assessment: it becomes the record's expectation.
    await rest.ok('POST', `/api/3.0/mlflow/traces/${traces[2].id}/assessments`, { assessment: {
      assessment_name: 'expected_response', source: { source_type: 'HUMAN', source_id: 'alice' },
      expectation: { value: '4' } } });
    browser = await launchBrowser();
    ({ page, context, problems } = await openPage(browser));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stopCleanly();
    server?.removeDataDir();
  });

  async function until(fn, what) {
    for (let i = 0; i < 600; i++) {
      const v = await fn();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
  }
  const records = async () => {
    const r = await rest.ok('GET', `/api/3.0/mlflow/datasets/${datasetId}/records?max_results=1000`);
    return JSON.parse(r.records);
  };
  const byTrace = async (t) => (await records()).find((r) => r.source?.source_data?.trace_id === t.id);
  const row = (traceId) => page.locator('table.records tbody tr', { has: page.locator(`a[data-trace-link="${traceId}"]`) });
  const pickOf = (traceId) => page.locator(`table.traces tr[data-trace-id="${traceId}"] button.pick`);
  const picked = () => page.$$eval('table.traces tbody tr', (rows) =>
    rows.filter((r) => r.querySelector('button.pick')?.getAttribute('aria-checked') === 'true').map((r) => r.dataset.traceId));

  test('pick traces in the list and add them to a new dataset', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await page.waitForFunction(() => document.querySelectorAll('table.traces tbody tr').length === 4);
    const [t0, t1, t2, t3] = traces;
    // x picks the highlighted (newest) trace; a click picks another; j still moves afterwards.
    await page.keyboard.press('x');
    await pickOf(t2.id).click();
    assert.deepEqual(await picked(), [t3.id, t2.id]);
    await page.keyboard.press('j');
    assert.equal(await page.$eval('table.traces tbody tr.sel', (r) => r.dataset.traceId), t2.id, 'j works after a click');
    assert.equal(new URL(page.url()).pathname, `/experiments/${experimentId}`, 'picking does not open the trace');
    // Shift-click picks a range, and unpicks one.
    await pickOf(t0.id).click({ modifiers: ['Shift'] });
    assert.deepEqual(await picked(), [t3.id, t2.id, t1.id, t0.id]);
    await pickOf(t1.id).click({ modifiers: ['Shift'] });
    assert.deepEqual(await picked(), [t3.id, t2.id]);
    assert.equal(await page.getAttribute('table.traces thead button.pick', 'aria-checked'), 'mixed');
    await page.locator('.pick-bar [data-picked-count="2"]').waitFor();

    await page.click('button[data-action=add-to-dataset]');
    await page.locator('select[name=dataset-choice]:not([disabled])').waitFor();
    await page.selectOption('select[name=dataset-choice]', { label: 'New dataset…' });
    await page.fill('input[name=new-dataset-name]', 'golden-set');
    await screenshot(page, 'add-to-dataset');
    await page.click('form.add-ds button[type=submit]');
    const added = page.locator('.pick-bar .added');
    await added.waitFor();
    assert.match(await added.innerText(), /2 traces added: 2 new records in golden-set/);
    datasetId = await added.getAttribute('data-added');
    assert.equal(await page.locator('.pick-bar [data-picked-count]').count(), 0, 'selection cleared');

    const found = await rest.ok('POST', '/api/3.0/mlflow/datasets/search', { experiment_ids: [experimentId] });
    assert.deepEqual(found.datasets.map((d) => [d.dataset_id, d.name]), [[datasetId, 'golden-set']]);
    const recs = await records();
    assert.equal(recs.length, 2);
    for (const t of [t3, t2]) {
      const r = recs.find((x) => x.source?.source_data?.trace_id === t.id);
      assert.ok(r, `a record from ${t.id}`);
      assert.deepEqual(r.inputs, t.inputs, 'inputs of the root span');
      assert.deepEqual(r.outputs, t.outputs, 'outputs of the root span');
      assert.equal(r.source.source_type, 'TRACE');
    }
    assert.deepEqual((await byTrace(t2)).expectations, { expected_response: '4' });

    await added.locator('a').click();
    await page.waitForURL(new RegExp(`/experiments/${experimentId}/datasets/${datasetId}$`));
  });

  test('the dataset page shows the records, markup as text', async () => {
    await page.locator('table.records tbody tr').nth(1).waitFor();
    assert.equal(await page.locator('table.records tbody tr').count(), 2);
    assert.equal(await page.locator('[data-dataset-name]').innerText(), 'golden-set');
    await page.locator('[data-record-count="2"]').waitFor();
    const [, , t2, t3] = traces;
    const r2 = row(t2.id);
    assert.match(await r2.locator('.rec-inputs').innerText(), /question: "What is 2 \+ 2\?"/);
    assert.match(await r2.locator('.rec-expectations').innerText(), /expected_response: "4"/);
    assert.match(await r2.locator('.rec-outputs').innerText(), /answer: "4"/);
    assert.equal(await r2.locator('a[data-trace-link]').getAttribute('href'), `/experiments/${experimentId}/traces/${t2.id}`);
    const r3 = row(t3.id);
    assert.ok((await r3.locator('.rec-inputs').innerText()).includes(`"${HOSTILE}"`), 'markup shown as text');
    assert.ok((await r3.locator('.rec-inputs').innerText()).includes('<script>alert(2)</script>'));
    assert.ok((await r3.locator('.rec-outputs').innerText()).includes('<b>bold</b>'));
    assert.equal(await page.locator('table.records img, table.records script, table.records b').count(), 0, 'no element made from agent text');
    await page.screenshot({ path: '/tmp/ui-dataset.png' });
    await screenshot(page, 'dataset');
  });

  test('edit expectations in place: add a key, replace them whole (a key removed), same record', async () => {
    const [, , t2, t3] = traces;
    const before3 = await byTrace(t3);
    await row(t3.id).locator('button[data-action=edit]').click();
    const form = page.locator('tr.editing form[data-form=edit]');
    await form.locator('textarea[name=record-expectations]').fill('{"expected_response": "Refuse politely"}');
    await form.locator('button[type=submit]').click();
    await page.locator('[data-notice]', { hasText: 'Record updated.' }).waitFor();
    await row(t3.id).locator('.rec-expectations', { hasText: 'Refuse politely' }).waitFor();
    const after3 = await until(async () => {
      const r = await byTrace(t3);
      return r?.expectations?.expected_response === 'Refuse politely' ? r : null;
    }, 'the expectation');
    assert.equal(after3.dataset_record_id, before3.dataset_record_id, 'the same record');
    assert.deepEqual(after3.inputs, t3.inputs);

    // Replacing expected_response by expected_facts: the edit replaces the expectations whole
    // (an upsert could only add keys), in place, with inputs, outputs and source kept.
    const before2 = await byTrace(t2);
    await row(t2.id).locator('button[data-action=edit]').click();
    await form.locator('textarea[name=record-expectations]').fill('{"expected_facts": ["4", "even"]}');
    await form.locator('button[type=submit]').click();
    const after2 = await until(async () => {
      const r = await byTrace(t2);
      return r?.expectations?.expected_facts ? r : null;
    }, 'the edited record');
    assert.deepEqual(after2.expectations, { expected_facts: ['4', 'even'] });
    assert.equal(after2.dataset_record_id, before2.dataset_record_id);
    assert.deepEqual(after2.inputs, t2.inputs);
    assert.deepEqual(after2.outputs, t2.outputs);
    assert.deepEqual(after2.source, before2.source);
    assert.equal((await records()).length, 2);
  });

  test('add a record by hand: bad JSON is refused inline and the text kept', async () => {
    await page.click('button[data-action=add-record]');
    const form = page.locator('form[data-form=add]');
    const inputs = form.locator('textarea[name=record-inputs]');
    const bad = '{"question": "What is 5 + 5?",}';
    await inputs.fill(bad);
    await form.locator('textarea[name=record-expectations]').fill('{"expected_response": "10"}');
    await form.locator('button[type=submit]').click();
    assert.match(await form.locator('[data-error=inputs]').innerText(), /Inputs: invalid JSON/);
    await screenshot(page, 'dataset-record-error');
    assert.equal(await inputs.inputValue(), bad, 'the text is kept');
    await inputs.fill('["What is 5 + 5?"]');
    await form.locator('button[type=submit]').click();
    assert.match(await form.locator('[data-error=inputs]').innerText(), /must be a JSON object.*array/);
    await inputs.fill('{"question": "What is 5 + 5?"}');
    await form.locator('textarea[name=record-expectations]').fill('"10"');
    await form.locator('button[type=submit]').click();
    assert.match(await form.locator('[data-error=expectations]').innerText(), /must be a JSON object/);
    assert.equal(await form.locator('[data-error=inputs]').count(), 0);
    assert.equal((await records()).length, 2, 'nothing stored');
    await form.locator('textarea[name=record-expectations]').fill('{"expected_response": "10"}');
    await form.locator('button[type=submit]').click();
    await form.waitFor({ state: 'detached' });
    await page.locator('table.records .rec-inputs', { hasText: 'What is 5 + 5?' }).waitFor();
    const r = await until(async () => (await records()).find((x) => x.inputs.question === 'What is 5 + 5?'), 'the record');
    assert.deepEqual(r.inputs, { question: 'What is 5 + 5?' });
    assert.deepEqual(r.expectations, { expected_response: '10' });
    assert.equal(r.source.source_type, 'HUMAN');
    await page.locator('[data-record-count="3"]').waitFor();
  });

  test('edit inputs: the same record under new inputs; another record\'s inputs are refused', async () => {
    const before = (await records()).find((x) => x.inputs.question === 'What is 5 + 5?');
    const handRow = page.locator('table.records tbody tr', { has: page.locator('.rec-inputs', { hasText: 'What is 5 + 5?' }) });
    await handRow.locator('button[data-action=edit]').click();
    const form = page.locator('tr.editing form[data-form=edit]');
    await form.locator('textarea[name=record-inputs]').fill('{"question": "What is 5 + 6?"}');
    await form.locator('textarea[name=record-expectations]').fill('{"expected_response": "11"}');
    await form.locator('button[type=submit]').click();
    await page.locator('table.records .rec-inputs', { hasText: 'What is 5 + 6?' }).waitFor();
    let recs = await records();
    assert.equal(recs.length, 3);
    assert.equal(recs.filter((x) => x.inputs.question === 'What is 5 + 5?').length, 0, 'the old inputs are gone');
    const r = recs.find((x) => x.inputs.question === 'What is 5 + 6?');
    assert.equal(r.dataset_record_id, before.dataset_record_id, 'the same record');
    assert.deepEqual(r.expectations, { expected_response: '11' });
    assert.equal(r.source.source_type, 'HUMAN', 'the source is kept');

    // The inputs of another record: refused with that record named, the text kept, nothing changed.
    const other = recs.find((x) => x.dataset_record_id !== r.dataset_record_id);
    const editedRow = page.locator('table.records tbody tr', { has: page.locator('.rec-inputs', { hasText: 'What is 5 + 6?' }) });
    await editedRow.locator('button[data-action=edit]').click();
    const clash = JSON.stringify(other.inputs);
    await form.locator('textarea[name=record-inputs]').fill(clash);
    await form.locator('button[type=submit]').click();
    await form.locator('[role=alert], .error', { hasText: other.dataset_record_id }).first().waitFor();
    assert.equal(await form.locator('textarea[name=record-inputs]').inputValue(), clash, 'the text is kept');
    recs = await records();
    assert.deepEqual(recs.find((x) => x.dataset_record_id === r.dataset_record_id).inputs, { question: 'What is 5 + 6?' });
    await form.locator('button', { hasText: 'Cancel' }).click();
    // The refused edit is the one error the page logged (the 400 of the PATCH).
    assertNoProblems(problems, { allowHttpErrors: true });
    problems.consoleErrors.length = 0;
  });

  test('delete a record, with confirmation', async () => {
    const t3 = traces[3];
    await row(t3.id).locator('button[data-action=delete]').click();
    await row(t3.id).locator('button[data-action=cancel-delete]').click();
    await row(t3.id).locator('button[data-action=delete]').click();
    await row(t3.id).locator('button[data-action=confirm-delete]').click();
    await row(t3.id).waitFor({ state: 'detached' });
    await until(async () => !(await byTrace(t3)), 'the deletion');
    assert.equal((await records()).length, 2);
    await page.locator('[data-record-count="2"]').waitFor();
  });

  test('datasets list: counts, create, delete with confirmation', async () => {
    await page.click('.exp-nav a[data-link=datasets]');
    await page.waitForURL(new RegExp(`/experiments/${experimentId}/datasets$`));
    const golden = page.locator(`table.datasets tr[data-dataset-id="${datasetId}"]`);
    await golden.waitFor();
    assert.equal(await golden.locator('td[data-records]').innerText(), '2');
    assert.equal(await page.locator('.exp-nav a.current').innerText(), 'Datasets');

    await page.fill('input[name=dataset-name]', 'scratch');
    await page.click('form.create button[type=submit]');
    await page.waitForURL(/\/datasets\/d-[^/]+$/);
    const scratchId = decodeURIComponent(page.url().split('/').pop());
    await page.locator('.dataset-page .empty').waitFor();
    const got = await rest.ok('GET', `/api/3.0/mlflow/datasets/${scratchId}`);
    assert.equal(got.dataset.name, 'scratch');
    assert.deepEqual(got.dataset.experiment_ids, [experimentId]);

    await page.goBack();
    const scratch = page.locator(`table.datasets tr[data-dataset-id="${scratchId}"]`);
    await scratch.waitFor();
    await scratch.locator('button[data-action=delete]').click();
    await screenshot(page, 'datasets');
    await scratch.locator('button[data-action=cancel-delete]').click();
    await scratch.locator('button[data-action=delete]').click();
    await scratch.locator('button[data-action=confirm-delete]').click();
    await scratch.waitFor({ state: 'detached' });
    const r = await rest.request('GET', `/api/3.0/mlflow/datasets/${scratchId}`);
    assert.equal(r.status, 404);
    await golden.waitFor();
    assertNoProblems(problems);
  });
});
