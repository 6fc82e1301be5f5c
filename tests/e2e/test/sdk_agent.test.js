// The C++ SDK end to end: examples/support_agent talks to the OpenAI-compatible stand-in,
// exports its trace over OTLP/HTTP to the real tracelake server, and the trace read back through
// the MLflow REST API has the seed's shape: a root AGENT span, an LLM call that picked tools,
// three genie_query TOOL spans, and a final LLM call, with token usage; the root's outputs (the
// answer, recorded by `return tracelake_span.Return(...)`) give the trace its response preview.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freePort } from '../lib/server.js';
import { RestClient, jsonAttr, traceHexOf, experimentOf } from '../lib/rest.js';
import { run, sdkProgram, startStandin } from '../lib/sdk_programs.js';

const QUESTION = 'What were total sales in EMEA, APAC and AMER last quarter?';

describe('C++ SDK: support_agent', () => {
  let server;
  let rest;

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
  });

  after(async () => {
    try {
      if (server) await server.stopCleanly();
    } finally {
      server?.removeDataDir();
    }
  });

  async function runAgent(experimentId, standin, { args = [], env = {} } = {}) {
    const r = await run(sdkProgram('support_agent'), [...args, QUESTION], {
      env: {
        OPENAI_BASE_URL: standin.baseUrl,
        OPENAI_API_KEY: 'sk-e2e',
        OPENAI_MODEL: 'gpt-4o-mini',
        OTEL_EXPORTER_OTLP_ENDPOINT: server.url,
        MLFLOW_EXPERIMENT_ID: experimentId,
        OTEL_SERVICE_NAME: 'support-agent-e2e',
        ...env,
      },
    });
    assert.equal(r.code, 0, `support_agent failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    const m = r.stdout.match(/trace: (tr-[0-9a-f]{32})/);
    assert.ok(m, `no trace id in output:\n${r.stdout}`);
    return { ...r, traceId: m[1] };
  }

  function checkShape(spans) {
    const roots = spans.filter((s) => s.parentSpanId === '');
    assert.equal(roots.length, 1, `one root, got ${spans.map((s) => `${s.name}<-${s.parentSpanId}`).join(', ')}`);
    const root = roots[0];
    // One TRACELAKE_TRACE line names the span after the function; Return records the answer.
    assert.equal(root.name, 'SupportAgent');
    assert.equal(jsonAttr(root, 'mlflow.spanFunctionName'), 'SupportAgent');
    assert.equal(jsonAttr(root, 'mlflow.spanType'), 'AGENT');
    assert.deepEqual(jsonAttr(root, 'mlflow.spanInputs'), { question: QUESTION });
    assert.match(jsonAttr(root, 'mlflow.spanOutputs'), /EMEA .*APAC .*AMER/);

    const tools = spans.filter((s) => jsonAttr(s, 'mlflow.spanType') === 'TOOL');
    assert.equal(tools.length, 3, 'three genie_query calls');
    for (const t of tools) {
      assert.equal(t.name, 'genie_query');
      assert.equal(t.parentSpanId, root.spanId);
      assert.match(jsonAttr(t, 'mlflow.spanInputs').sql, /^SELECT /);
      assert.equal(jsonAttr(t, 'mlflow.spanOutputs').rows.length, 1);
      assert.notEqual(t.status, 'ERROR');
    }

    const llms = spans.filter((s) => ['LLM', 'CHAT_MODEL'].includes(jsonAttr(s, 'mlflow.spanType')))
      .sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    assert.equal(llms.length, 2, 'a planning and a summarizing LLM call');
    for (const l of llms) {
      assert.equal(l.parentSpanId, root.spanId);
      const usage = jsonAttr(l, 'mlflow.chat.tokenUsage');
      assert.ok(usage.input_tokens > 0 && usage.output_tokens > 0, JSON.stringify(usage));
      assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
      assert.equal(l.attributes['gen_ai.request.model'], 'gpt-4o-mini');
      assert.equal(jsonAttr(l, 'mlflow.llm.model'), 'gpt-4o-mini');
    }
    assert.deepEqual(llms[0].attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
    assert.equal(jsonAttr(llms[0], 'mlflow.spanOutputs').choices[0].message.tool_calls.length, 3);
    assert.deepEqual(llms[1].attributes['gen_ai.response.finish_reasons'], ['stop']);
    // Tools ran between the two calls.
    for (const t of tools) assert.ok(t.startNs >= llms[0].endNs && t.endNs <= llms[1].startNs);
    return { root, tools, llms };
  }

  test('streamed run: trace shape, tokens, metadata, routing', async () => {
    const experimentId = await rest.createExperiment(`e2e-sdk-agent-${process.pid}`);
    const standin = await startStandin();
    let out;
    try {
      out = await runAgent(experimentId, standin, {
        args: ['--user', 'e2e-user', '--session', 'e2e-session'],
        env: { MLFLOW_TRACKING_URI: server.url },  // trace metadata and tags via StartTraceV3
      });
    } finally {
      await standin.stop();
    }
    assert.match(out.stdout, /Total sales last quarter by region: EMEA [0-9.]+; APAC [0-9.]+; AMER [0-9.]+\./);

    const found = await rest.searchAll(experimentId);
    assert.equal(found.length, 1, 'one trace in the experiment');
    assert.equal(found[0].trace_id, out.traceId);
    assert.equal(experimentOf(found[0]), experimentId);
    const { info, spans } = await rest.getTrace(traceHexOf(found[0]));
    assert.equal(spans.length, 6);
    const { llms } = checkShape(spans);
    assert.equal(info.state, 'OK');
    assert.match(info.request_preview, /total sales in EMEA/);
    assert.match(info.response_preview, /EMEA [0-9.]+; APAC [0-9.]+; AMER [0-9.]+/);
    assert.equal(info.trace_metadata['mlflow.trace.user'], 'e2e-user');
    assert.equal(info.trace_metadata['mlflow.trace.session'], 'e2e-session');
    assert.equal(info.trace_metadata['mlflow.source.name'], 'support_agent');
    assert.equal(info.tags['agent.version'], '1.0.0');
    const total = JSON.parse(info.trace_metadata['mlflow.trace.tokenUsage']);
    const sum = llms.reduce((n, l) => n + jsonAttr(l, 'mlflow.chat.tokenUsage').total_tokens, 0);
    assert.equal(total.total_tokens, sum);
    // The second call repeats the conversation's prefix: the stand-in reports cached tokens.
    assert.ok(jsonAttr(llms[1], 'mlflow.chat.tokenUsage').cache_read_input_tokens > 0);
    assert.equal(llms[1].attributes['gen_ai.request.stream'], true);
  });

  test('plain answers through a flaky model endpoint: retries are recorded', async () => {
    const experimentId = await rest.createExperiment(`e2e-sdk-agent-retry-${process.pid}`);
    const standin = await startStandin(['--fail-next', '2', '--fail-status', '503', '--retry-after', '0']);
    let out;
    try {
      out = await runAgent(experimentId, standin, { args: ['--no-stream'] });
    } finally {
      await standin.stop();
    }
    const { spans } = await rest.getTrace(out.traceId.slice(3));
    const { llms } = checkShape(spans);
    assert.equal(llms[0].attributes['http.request.resend_count'], 2);
    assert.equal(llms[0].events.filter((e) => e.name === 'retry').length, 2);
  });

  test('OTLP/gRPC export (OTEL_EXPORTER_OTLP_PROTOCOL=grpc)', async () => {
    const experimentId = await rest.createExperiment(`e2e-sdk-agent-grpc-${process.pid}`);
    const standin = await startStandin();
    let out;
    try {
      out = await runAgent(experimentId, standin, {
        env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: server.grpcUrl },
      });
    } finally {
      await standin.stop();
    }
    const found = await rest.searchAll(experimentId);
    assert.deepEqual(found.map((t) => t.trace_id), [out.traceId]);
    const { spans } = await rest.getTrace(out.traceId.slice(3));
    checkShape(spans);
  });

  test('a backend that is down does not break the agent', async () => {
    const standin = await startStandin();
    let out;
    try {
      out = await runAgent('0', standin, {
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
          OTEL_BSP_EXPORT_TIMEOUT: '1000',
        },
      });
    } finally {
      await standin.stop();
    }
    assert.match(out.stdout, /Total sales last quarter/);
    const reports = out.stderr.match(/tracelake: dropping spans/g) ?? [];
    assert.equal(reports.length, 1, `the drop is reported once:\n${out.stderr}`);
  });
});
