// Online scoring (docs/evaluation.md, "Online scoring"): registered judges turned on for an
// experiment through MLflow's scorers REST score its live traces sent over OTLP. A scripted
// judge stand-in answers by content, so the expected verdicts follow the data; MLflow's dense
// sampling is recomputed here (sha256 of "<trace id>:<scorer>"); a restart neither repeats nor
// skips a trace; the traces of judge calls and of evaluation runs are never scored; a spend
// limit pauses scoring and says so (REST and /metrics) while ingest goes on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { listen, readBody, sendJson } from '../lib/eval_standins.js';

const hex = (n) => crypto.randomBytes(n).toString('hex');
const b64 = (h) => Buffer.from(h, 'hex').toString('base64');

// MLflow's sampler: sha256("E:S") / 2^256 <= rate (one scorer, or the first of a dense chain).
function sampled(traceId, scorer, rate) {
  const h = crypto.createHash('sha256').update(`${traceId}:${scorer}`).digest('hex');
  return Number(BigInt(`0x${h.slice(0, 16)}`)) / 2 ** 64 <= rate;
}

async function until(fn, what, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('online scoring', () => {
  let judge, server, firstServer, rest, experimentId;
  const judgeCalls = { n: 0 };
  const sent = [];  // { id: 'tr-...', good: bool }

  // The judge: "yes" when the answer under judgement says "good answer".
  async function startJudge() {
    return listen(async (req, res) => {
      const body = JSON.parse(await readBody(req));
      judgeCalls.n++;
      const prompt = body.messages.map((m) => m.content).join('\n');
      const verdict = prompt.includes('good answer') ? 'yes' : 'no';
      sendJson(res, {
        choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify({ result: verdict, rationale: `saw ${verdict}` }) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 40, completion_tokens: 10, total_tokens: 50 },
      });
    });
  }

  const serverArgs = (extra = []) => ({
    grpc: false,
    extraArgs: ['--online-scoring-settle', '0', ...extra],
    env: {
      OPENAI_BASE_URL: `http://127.0.0.1:${judge.address().port}/v1`, OPENAI_API_KEY: 'k',
      ANTHROPIC_BASE_URL: '', ANTHROPIC_API_KEY: '',  // no Anthropic credentials, whatever CI has
    },
  });

  // One finished trace: a root span with the question and the answer.
  async function sendTrace(srv, exp, good, extraAttrs = []) {
    const traceHex = hex(16);
    const now = Date.now();
    const span = {
      traceId: b64(traceHex), spanId: b64(hex(8)), name: 'answer', kind: 1,
      startTimeUnixNano: String((now - 20) * 1e6), endTimeUnixNano: String(now * 1e6),
      attributes: [
        { key: 'mlflow.spanInputs', value: { stringValue: JSON.stringify({ question: `q-${traceHex.slice(0, 6)}` }) } },
        { key: 'mlflow.spanOutputs', value: { stringValue: JSON.stringify(good ? 'a good answer' : 'a bad one') } },
        ...extraAttrs,
      ],
      status: { code: 1 },
    };
    const r = await fetch(`${srv.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mlflow-experiment-id': exp },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span] }] }] }),
    });
    assert.equal(r.status, 200, await r.text());
    return `tr-${traceHex}`;
  }

  async function feedbackOf(r, traceId) {
    const t = await r.ok('GET', `/api/3.0/mlflow/traces/${traceId}`);
    return (t.trace.trace_info.assessments ?? []).filter((a) => a.feedback && a.valid !== false);
  }

  async function turnOn(r, exp, name, cls, rate, filter) {
    await r.ok('POST', '/api/3.0/mlflow/scorers/register', {
      experiment_id: exp, name, serialized_scorer: JSON.stringify({ name, builtin_scorer_class: cls }) });
    const body = { experiment_id: exp, name, sample_rate: rate };
    if (filter) body.filter_string = filter;
    await r.ok('PUT', '/api/3.0/mlflow/scorers/online-config', body);
  }

  const status = async (r, exp) => (await r.ok('GET', '/api/2.0/tracelake/online-scoring'))
    .experiments.find((e) => e.experiment_id === exp);

  before(async () => {
    judge = await startJudge();
    server = await startServer(serverArgs());
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('online-scoring');
    await turnOn(rest, experimentId, 'fluency', 'Fluency', 1.0);
    await turnOn(rest, experimentId, 'safety', 'Safety', 0.5);
  });

  after(async () => {
    await server?.stopCleanly();
    server?.removeDataDir();
    firstServer?.removeDataDir();  // owns the folder the restarted server reused
    judge?.close();
  });

  test('live traces are scored by content, sampled as MLflow samples', async () => {
    for (let i = 0; i < 12; i++) sent.push({ id: await sendTrace(server, experimentId, i % 3 !== 0), good: i % 3 !== 0 });
    for (const t of sent) {
      const expectSafety = sampled(t.id, 'safety', 0.5);
      const fb = await until(async () => {
        const f = await feedbackOf(rest, t.id);
        const names = f.map((a) => a.assessment_name);
        return names.includes('fluency') && (!expectSafety || names.includes('safety')) ? f : null;
      }, `the verdicts of ${t.id}`);
      const fluency = fb.find((a) => a.assessment_name === 'fluency');
      assert.equal(fluency.feedback.value, t.good ? 'yes' : 'no', JSON.stringify(fluency));
      assert.equal(fluency.source.source_type, 'LLM_JUDGE');
      assert.match(fluency.metadata['mlflow.assessment.scorerTraceId'], /^tr-/);
      t.safety = expectSafety;
    }
    // Nothing more arrives for the traces the 50% scorer did not pick.
    const s = await until(async () => {
      const st = await status(rest, experimentId);
      return st && st.traces_scored >= sent.length ? st : null;
    }, 'the status');
    assert.equal(s.traces_scored, sent.length);
    assert.equal(s.verdicts, sent.length + sent.filter((t) => t.safety).length);
    for (const t of sent) {
      const names = (await feedbackOf(rest, t.id)).map((a) => a.assessment_name).sort();
      assert.deepEqual(names, t.safety ? ['fluency', 'safety'] : ['fluency'], t.id);
    }
    // Search sees the verdicts as any feedback.
    const failing = await rest.searchAll(experimentId, { filter: "feedback.fluency = 'no'" });
    assert.deepEqual(failing.map((x) => x.trace_id).sort(), sent.filter((t) => !t.good).map((t) => t.id).sort());
  });

  test('a trace waits for its root span', async () => {
    // The child arrives first (an agent whose root ends last exports it last).
    const traceHex = hex(16);
    const rootId = hex(8);
    const now = Date.now();
    const post = (spans) => fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mlflow-experiment-id': experimentId },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }] }),
    });
    let r = await post([{ traceId: b64(traceHex), spanId: b64(hex(8)), parentSpanId: b64(rootId), name: 'llm', kind: 3,
      startTimeUnixNano: String((now - 50) * 1e6), endTimeUnixNano: String((now - 40) * 1e6),
      attributes: [{ key: 'mlflow.spanOutputs', value: { stringValue: '"partial"' } }] }]);
    assert.equal(r.status, 200);
    const id = `tr-${traceHex}`;
    await new Promise((res) => setTimeout(res, 1500));
    assert.deepEqual(await feedbackOf(rest, id), [], 'a fragment is not scored');
    r = await post([{ traceId: b64(traceHex), spanId: b64(rootId), name: 'answer', kind: 1,
      startTimeUnixNano: String((now - 60) * 1e6), endTimeUnixNano: String(now * 1e6),
      attributes: [
        { key: 'mlflow.spanInputs', value: { stringValue: '{"question": "late root"}' } },
        { key: 'mlflow.spanOutputs', value: { stringValue: '"a good answer"' } }] }]);
    assert.equal(r.status, 200);
    const fb = await until(async () => {
      const f = await feedbackOf(rest, id);
      return f.some((a) => a.assessment_name === 'fluency') ? f : null;
    }, 'the verdict after the root arrived');
    assert.equal(fb.find((a) => a.assessment_name === 'fluency').feedback.value, 'yes', 'judged on the root\'s answer');
    sent.push({ id, good: true, safety: sampled(id, 'safety', 0.5) });
  });

  test('judge calls and evaluation-run traces are never scored', async () => {
    const judgeTraces = await rest.searchAll(experimentId, { filter: "tags.`mlflow.trace.sourceScorer` IS NOT NULL" });
    assert.ok(judgeTraces.length >= sent.length);
    for (const t of judgeTraces.slice(0, 5)) assert.deepEqual(await feedbackOf(rest, t.trace_id), []);
  });

  test('a restart neither scores a trace twice nor skips one', async () => {
    const dataDir = server.dataDir;
    await server.stopCleanly();
    firstServer = server;
    // Traces that arrive while it restarts, and after.
    server = await startServer({ ...serverArgs(), dataDir });
    rest = new RestClient(server.url);
    const more = [];
    for (let i = 0; i < 4; i++) more.push(await sendTrace(server, experimentId, true));
    for (const id of more) {
      await until(async () => (await feedbackOf(rest, id)).some((a) => a.assessment_name === 'fluency'), id);
    }
    await new Promise((r) => setTimeout(r, 1500));  // anything wrongly re-scored would land now
    for (const t of [...sent.map((x) => x.id), ...more]) {
      const names = (await feedbackOf(rest, t)).map((a) => a.assessment_name);
      assert.equal(names.filter((n) => n === 'fluency').length, 1, `${t}: ${names}`);
    }
    for (const id of more) {
      const names = (await feedbackOf(rest, id)).map((a) => a.assessment_name).sort();
      assert.deepEqual(names, sampled(id, 'safety', 0.5) ? ['fluency', 'safety'] : ['fluency'], id);
    }
    // The restarted server scored the new traces only.
    const st = await status(rest, experimentId);
    assert.equal(st.traces_scored, more.length, JSON.stringify(st));
  });

  test('a judge without credentials is not run, and the status names the variable', async () => {
    const exp = await rest.createExperiment('online-no-key');
    await rest.ok('POST', '/api/3.0/mlflow/scorers/register', {
      experiment_id: exp, name: 'needs_key', serialized_scorer: JSON.stringify({
        name: 'needs_key', builtin_scorer_class: 'Fluency',
        builtin_scorer_pydantic_data: { model: 'anthropic:/claude-test' } }) });
    await rest.ok('PUT', '/api/3.0/mlflow/scorers/online-config', { experiment_id: exp, name: 'needs_key', sample_rate: 1 });
    const id = await sendTrace(server, exp, true);
    const st = await until(async () => {
      const s = await status(rest, exp);
      return s?.last_error ? s : null;
    }, 'the error in the status');
    assert.match(st.last_error, /needs_key.*ANTHROPIC_API_KEY/);
    assert.deepEqual(await feedbackOf(rest, id), [], 'no unknown verdict on every trace');
  });

  test('a spend limit pauses scoring and says so; ingest goes on', async () => {
    const limited = await startServer(serverArgs(['--online-scoring-daily-tokens', '1']));
    try {
      const r = new RestClient(limited.url);
      const exp = await r.createExperiment('limited');
      await turnOn(r, exp, 'fluency', 'Fluency', 1.0);
      const first = await sendTrace(limited, exp, true);
      await until(async () => (await feedbackOf(r, first)).length > 0, 'the first verdict');
      const later = [];
      for (let i = 0; i < 3; i++) later.push(await sendTrace(limited, exp, true));
      const st = await until(async () => {
        const s = await status(r, exp);
        return s?.paused ? s : null;
      }, 'the pause');
      assert.match(st.pause_reason, /daily limit of 1 judge tokens/);
      assert.equal(st.spend.tokens, 50);
      const metrics = await (await fetch(`${limited.url}/metrics`)).text();
      assert.match(metrics, new RegExp(`tracelake_online_scoring_paused\\{experiment_id="${exp}"\\} 1`));
      for (const id of later) assert.deepEqual(await feedbackOf(r, id), [], 'paused: not scored');
      // Ingest is not held up: every trace is stored.
      const stored = await r.searchAll(exp, { filter: "tags.`mlflow.trace.sourceScorer` IS NULL" });
      assert.equal(stored.length, 4);
    } finally {
      await limited.stopCleanly();
      limited.removeDataDir();
    }
  });
});
