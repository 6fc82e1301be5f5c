// The selected span: inputs and outputs (chat view or JSON), attributes, events and exceptions,
// token usage, and the span's assessments.
import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { Assessment } from '../api';
import { formatDuration, formatInt, parseTokenUsage, type TokenUsage } from '../format';
import { attributeMap, jsonAttribute, type Span } from '../spans';
import { ChatView, extractConversation } from './ChatView';
import { JsonView } from './JsonView';

export type DetailTab = 'io' | 'attributes' | 'events' | 'assessments';

function IoBlock({ title, value }: { title: string; value: unknown }) {
  if (value === undefined) return null;
  return (
    <section class="io">
      <h4>{title}</h4>
      {typeof value === 'string' ? <pre class="text">{value}</pre> : <JsonView value={value} openDepth={3} />}
    </section>
  );
}

function Tokens({ u }: { u: TokenUsage }) {
  return (
    <span class="tokens" title="Token usage">
      {formatInt(u.input_tokens)} in · {formatInt(u.output_tokens)} out
      {u.total_tokens !== undefined ? ` · ${formatInt(u.total_tokens)} total` : ''}
    </span>
  );
}

export function SpanDetail({ span, tab, setTab, assessmentsPanel, spanAssessments }: {
  span: Span;
  tab: DetailTab;
  setTab: (t: DetailTab) => void;
  assessmentsPanel: ComponentChildren;
  spanAssessments: Assessment[];
}) {
  const [chat, setChat] = useState(true);
  const data = useMemo(() => {
    const inputs = jsonAttribute(span, 'mlflow.spanInputs');
    const outputs = jsonAttribute(span, 'mlflow.spanOutputs');
    const usageAttr = jsonAttribute(span, 'mlflow.chat.tokenUsage');
    const usage = typeof usageAttr === 'string' ? parseTokenUsage(usageAttr)
      : (usageAttr && typeof usageAttr === 'object' ? usageAttr as TokenUsage : undefined);
    const attrs = attributeMap(span.raw.attributes);
    const model = attrs['gen_ai.response.model'] ?? attrs['gen_ai.request.model'] ?? attrs['llm.model_name'];
    const events = (span.raw.events ?? []).map((e) => ({
      name: e.name ?? '',
      timeMs: e.time_unix_nano !== undefined ? Number(e.time_unix_nano) : undefined,
      attributes: attributeMap(e.attributes),
    }));
    return { inputs, outputs, usage, attrs, model, events, conversation: extractConversation(inputs, outputs) };
  }, [span]);
  const exceptions = data.events.filter((e) => e.name === 'exception');
  const attrKeys = Object.keys(data.attrs).sort();
  return (
    <div class="span-detail" data-span-id={span.id}>
      <div class="span-head">
        <h3 class="span-title">{span.name}</h3>
        <div class="span-meta">
          {span.type && <span class={`type t-${span.type}`}>{span.type}</span>}
          <span class={`state s-${span.status}`}>{span.status}</span>
          <span>{formatDuration(span.endMs - span.startMs)}</span>
          <span class="muted">at +{formatDuration(span.startMs)}</span>
          {data.model !== undefined && <span class="muted">model {String(data.model)}</span>}
          {data.usage && <Tokens u={data.usage} />}
          <span class="muted mono">span {span.id}</span>
        </div>
        {span.statusMessage && <div class="error">{span.statusMessage}</div>}
        {exceptions.map((e, i) => (
          <div key={i} class="exception">
            <b>{String(e.attributes['exception.type'] ?? 'Exception')}</b>: {String(e.attributes['exception.message'] ?? '')}
            {e.attributes['exception.stacktrace'] !== undefined && <pre class="text">{String(e.attributes['exception.stacktrace'])}</pre>}
          </div>
        ))}
      </div>
      <div class="tabs" role="tablist">
        {([['io', 'Inputs / Outputs'], ['attributes', `Attributes (${attrKeys.length})`],
           ['events', `Events (${data.events.length})`], ['assessments', `Assessments (${spanAssessments.length})`]] as [DetailTab, string][])
          .map(([t, label]) => (
            <button key={t} role="tab" aria-selected={tab === t} class={tab === t ? 'on' : ''} onClick={() => setTab(t)}>{label}</button>
          ))}
      </div>
      <div class="tab-body">
        {tab === 'io' && (
          <>
            {data.conversation && (
              <div class="seg small">
                <label><input type="checkbox" checked={chat} onChange={() => setChat(!chat)} /> show as chat</label>
              </div>
            )}
            {data.conversation && chat ? (
              <ChatView input={data.conversation.input} output={data.conversation.output} />
            ) : (
              <>
                <IoBlock title="Inputs" value={data.inputs} />
                <IoBlock title="Outputs" value={data.outputs} />
              </>
            )}
            {data.inputs === undefined && data.outputs === undefined && <p class="muted">This span recorded no inputs or outputs.</p>}
          </>
        )}
        {tab === 'attributes' && (
          <table class="kv">
            <tbody>
              {attrKeys.map((k) => {
                let v: unknown = data.attrs[k];
                if (typeof v === 'string' && /^[[{"]/.test(v)) {
                  try { v = JSON.parse(v); } catch { /* keep text */ }
                }
                return (
                  <tr key={k}>
                    <th>{k}</th>
                    <td>{v !== null && typeof v === 'object' ? <JsonView value={v} openDepth={1} /> : <span class="text">{String(v)}</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {tab === 'events' && (
          <div>
            {data.events.length === 0 && <p class="muted">No events.</p>}
            {data.events.map((e, i) => (
              <div key={i} class={`event ${e.name === 'exception' ? 'exc' : ''}`}>
                <div class="event-head"><b>{e.name}</b>
                  {e.timeMs !== undefined && <span class="muted"> {new Date(e.timeMs / 1e6).toISOString()}</span>}</div>
                {Object.keys(e.attributes).length > 0 && <JsonView value={e.attributes} openDepth={1} />}
              </div>
            ))}
          </div>
        )}
        {tab === 'assessments' && assessmentsPanel}
      </div>
    </div>
  );
}
