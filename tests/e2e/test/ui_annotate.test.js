// Annotation in the web UI: feedback (pass/fail, number, text, rationale) and expectations on a
// trace and on a span, edited and removed, and tags; every change checked through the REST API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { hexSpanId } from '../lib/otel.js';
import { seedAgentTraces } from '../lib/ui_data.js';
import { assertNoProblems, launchBrowser, openPage, screenshot, uiSkipReason } from '../lib/ui_browser.js';

describe('ui annotate', { skip: uiSkipReason() }, () => {
  let server, rest, browser, experimentId, t, page, context, problems;

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('annotate');
    [t] = await seedAgentTraces(server, experimentId, 1);
    // One assessment from an LLM judge, made through the API like a judge would.
    await rest.ok('POST', `/api/3.0/mlflow/traces/${t.id}/assessments`, { assessment: {
      assessment_name: 'relevance', source: { source_type: 'LLM_JUDGE', source_id: 'gpt-4o-judge' },
      feedback: { value: 'yes' }, rationale: 'The answer names the capital.' } });
    browser = await launchBrowser();
    ({ page, context, problems } = await openPage(browser));
    await page.goto(`${server.url}/experiments/${experimentId}/traces/${t.id}`);
    await page.locator('.wf-row').first().waitFor();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stopCleanly();
    server?.removeDataDir();
  });

  const assessments = async () => (await rest.ok('GET', `/api/3.0/mlflow/traces/${t.id}`)).trace.trace_info.assessments ?? [];
  const byName = async (name) => (await assessments()).find((a) => a.assessment_name === name);
  async function until(fn, what) {
    for (let i = 0; i < 600; i++) {
      const v = await fn();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
  }
  async function openForm() {
    await page.click('.tv-assess button:has-text("annotate")');
    await page.click('button:has-text("+ Add assessment")');
    await page.locator('form.assess-form').waitFor();
  }

  test('the judge\'s assessment is shown with its source', async () => {
    await page.click('.tv-assess button:has-text("annotate")');
    const item = page.locator('.assess-item', { hasText: 'relevance' });
    await item.waitFor();
    assert.match(await item.innerText(), /LLM judge/);
    assert.match(await item.innerText(), /gpt-4o-judge/);
    assert.match(await item.innerText(), /The answer names the capital\./);
  });

  test('pass/fail feedback on the trace, with rationale', async () => {
    await openForm();
    await page.fill('input[name=assessment-name]', 'correctness');
    await page.click('button.pf.pass');
    await page.fill('textarea[name=rationale]', 'Paris is right.');
    await page.fill('input[name=source-id]', 'alice');
    await page.selectOption('select[name=target]', 'trace');
    await page.click('form.assess-form button[type=submit]');
    await page.locator('.assess-item', { hasText: 'correctness' }).waitFor();
    const a = await until(() => byName('correctness'), 'correctness');
    assert.equal(a.feedback.value, true);
    assert.equal(a.rationale, 'Paris is right.');
    assert.deepEqual(a.source, { source_type: 'HUMAN', source_id: 'alice' });
    assert.equal(a.span_id ?? '', '');
  });

  test('number feedback on a span', async () => {
    await page.click('.wf-row[data-span-name="chat gpt-4o"]');
    await openForm();
    await page.fill('input[name=assessment-name]', 'quality');
    await page.click('form.assess-form label:has-text("Number") input');
    await page.fill('input[name=value-number]', '4.5');
    await page.selectOption('select[name=target]', 'span');
    await page.click('form.assess-form button[type=submit]');
    await page.locator('.assess-item', { hasText: 'quality' }).waitFor();
    const a = await until(() => byName('quality'), 'quality');
    assert.equal(a.feedback.value, 4.5);
    assert.equal(a.span_id, hexSpanId(t.spans.chat1));
    assert.match(await page.locator('.tabs').innerText(), /Assessments \(1\)/, 'counted on the span');
  });

  test('expectation: expected facts', async () => {
    await openForm();
    await page.click('form.assess-form label:has-text("Expectation") input');
    await page.fill('input[name=assessment-name]', 'expected_facts');
    await page.click('form.assess-form label:has-text("Expected facts") input');
    await page.fill('textarea[name=value-expectation]', 'Paris is the capital\nFrance is in Europe');
    await page.selectOption('select[name=target]', 'trace');
    await page.click('form.assess-form button[type=submit]');
    await page.locator('.assess-item', { hasText: 'expected_facts' }).waitFor();
    const a = await until(() => byName('expected_facts'), 'expected_facts');
    assert.deepEqual(a.expectation.value, ['Paris is the capital', 'France is in Europe']);
    await screenshot(page, 'annotate');
  });

  test('edit and remove', async () => {
    const item = page.locator('.assess-item', { hasText: 'correctness' });
    await item.locator('button:has-text("Edit")').click();
    await item.locator('button.pf.fail').click();
    await item.locator('textarea[name=rationale]').fill('Actually it missed the follow-up.');
    await item.locator('button[type=submit]').click();
    const edited = await until(async () => {
      const a = await byName('correctness');
      return a?.feedback?.value === false ? a : null;
    }, 'the edit');
    assert.equal(edited.rationale, 'Actually it missed the follow-up.');
    await page.locator('.assess-item', { hasText: 'correctness' }).locator('.value.fail').waitFor();

    await page.locator('.assess-item', { hasText: 'quality' }).locator('button:has-text("Remove")').click();
    await page.locator('.assess-item', { hasText: 'quality' }).waitFor({ state: 'detached' });
    await until(async () => !(await byName('quality')), 'the removal');
  });

  test('tags: add, change, remove', async () => {
    const tags = async () => (await rest.ok('GET', `/api/3.0/mlflow/traces/${t.id}`)).trace.trace_info.tags;
    await page.click('.tag-editor button:has-text("+ tag")');
    await page.fill('input[name=tag-key]', 'reviewed');
    await page.fill('input[name=tag-value]', 'yes');
    await page.click('.tag-form button[type=submit]');
    await page.locator('.chip[data-tag=reviewed]').waitFor();
    await until(async () => (await tags()).reviewed === 'yes', 'tag set');
    await page.click('.chip[data-tag=reviewed] .chip-body');
    await page.fill('input[name=tag-value]', 'twice');
    await page.click('.tag-form button[type=submit]');
    await until(async () => (await tags()).reviewed === 'twice', 'tag changed');
    await page.click('button[aria-label="Remove tag reviewed"]');
    await page.locator('.chip[data-tag=reviewed]').waitFor({ state: 'detached' });
    await until(async () => (await tags()).reviewed === undefined, 'tag removed');
  });

  test('the list shows the assessments', async () => {
    await page.keyboard.press('Escape');
    await page.locator('.trace-view').waitFor({ state: 'detached' });
    const row = page.locator(`table.traces tr[data-trace-id="${t.id}"]`);
    await row.locator('.badge.assess', { hasText: 'correctness' }).waitFor();
    await row.locator('.badge.assess.fail').waitFor();
    assertNoProblems(problems);
  });
});
