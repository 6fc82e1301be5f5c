// Renders span inputs/outputs that hold chat messages as a conversation: OpenAI chat requests
// ({messages}) and completions ({choices:[{message}]}), OTel GenAI messages ({role, parts}),
// and plain lists of {role, content}. Text only: message content never becomes markup.
import { JsonView } from './JsonView';

interface ToolCall { id?: string; name: string; args: unknown }
export interface ChatMessage {
  role: string;
  text: string[];
  toolCalls: ToolCall[];
  toolCallId?: string;
  other: unknown[];   // content parts that are not text (images, ...), shown as JSON
}

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return v;
  try {
    return JSON.parse(t);
  } catch {
    return v;
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toMessage(m: unknown): ChatMessage | null {
  if (!isObj(m) || typeof m.role !== 'string') return null;
  const msg: ChatMessage = { role: m.role, text: [], toolCalls: [], other: [] };
  const addPart = (p: unknown) => {
    if (typeof p === 'string') { msg.text.push(p); return; }
    if (!isObj(p)) { msg.other.push(p); return; }
    if (p.type === 'text' || p.type === 'input_text' || p.type === 'output_text') {
      msg.text.push(String(p.text ?? p.content ?? ''));
    } else if (p.type === 'tool_call') {
      msg.toolCalls.push({ id: p.id as string | undefined, name: String(p.name ?? ''), args: parseMaybeJson(p.arguments) });
    } else if (p.type === 'tool_call_response') {
      msg.toolCallId = p.id as string | undefined;
      const r = p.response ?? p.result;
      if (typeof r === 'string') msg.text.push(r);
      else msg.other.push(r);
    } else {
      msg.other.push(p);
    }
  };
  if (typeof m.content === 'string') msg.text.push(m.content);
  else if (Array.isArray(m.content)) m.content.forEach(addPart);
  else if (m.content !== undefined && m.content !== null) msg.other.push(m.content);
  if (Array.isArray(m.parts)) m.parts.forEach(addPart);
  if (Array.isArray(m.tool_calls)) {
    for (const tc of m.tool_calls) {
      if (!isObj(tc)) continue;
      const fn = isObj(tc.function) ? tc.function : tc;
      msg.toolCalls.push({ id: tc.id as string | undefined, name: String(fn.name ?? ''), args: parseMaybeJson(fn.arguments) });
    }
  }
  if (typeof m.tool_call_id === 'string') msg.toolCallId = m.tool_call_id;
  return msg;
}

export function messagesOf(v: unknown): ChatMessage[] | null {
  let list: unknown[] | null = null;
  if (Array.isArray(v)) list = v;
  else if (isObj(v) && Array.isArray(v.messages)) list = v.messages;
  else if (isObj(v) && Array.isArray(v.choices)) {
    list = v.choices.map((c) => (isObj(c) ? c.message : null)).filter((x) => x);
  } else if (isObj(v) && typeof v.role === 'string') list = [v];
  if (!list || list.length === 0) return null;
  const out: ChatMessage[] = [];
  for (const m of list) {
    const msg = toMessage(m);
    if (!msg) return null;
    out.push(msg);
  }
  return out;
}

// The conversation in a span's inputs and outputs, or null when they are not chat-shaped.
export function extractConversation(inputs: unknown, outputs: unknown): { input: ChatMessage[]; output: ChatMessage[] } | null {
  const input = messagesOf(inputs);
  if (!input) return null;
  return { input, output: messagesOf(outputs) ?? [] };
}

function Message({ m }: { m: ChatMessage }) {
  return (
    <div class={`msg msg-${m.role.replace(/[^a-z_]/gi, '')}`}>
      <div class="msg-role">{m.role}{m.toolCallId ? ` · result of ${m.toolCallId}` : ''}</div>
      {m.text.map((t, i) => <div key={i} class="msg-text">{t}</div>)}
      {m.toolCalls.map((tc, i) => (
        <div key={`tc${i}`} class="tool-call">
          <div class="tool-call-head">tool call <b>{tc.name}</b>{tc.id ? ` (${tc.id})` : ''}</div>
          <JsonView value={tc.args} openDepth={3} />
        </div>
      ))}
      {m.other.map((o, i) => <JsonView key={`o${i}`} value={o} openDepth={1} />)}
    </div>
  );
}

export function ChatView({ input, output }: { input: ChatMessage[]; output: ChatMessage[] }) {
  return (
    <div class="chat">
      {input.map((m, i) => <Message key={`i${i}`} m={m} />)}
      {output.length > 0 && <div class="chat-sep">response</div>}
      {output.map((m, i) => <Message key={`o${i}`} m={m} />)}
    </div>
  );
}
