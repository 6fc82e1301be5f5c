// Assessments of a trace or one of its spans: list (who gave each: human, LLM judge, code) and
// a form to add or edit feedback (pass/fail, number, text, with rationale) and expectations
// (expected answer, expected facts). Writes go through the MLflow assessments API.
import { useState } from 'preact/hooks';
import { ApiError, type Assessment, createAssessment, deleteAssessment, updateAssessment } from '../api';
import { assessmentValue, assessmentValueText, formatTime, sourceLabel, verdictOf } from '../format';
import { linkClick } from '../router';

type Kind = 'feedback' | 'expectation';
type FeedbackType = 'passfail' | 'number' | 'text';
type ExpectationType = 'answer' | 'facts';

const USER_KEY = 'tracelake.user';

function defaultUser(): string {
  try {
    return localStorage.getItem(USER_KEY) || '';
  } catch {
    return '';
  }
}

export function AssessmentBadge({ a }: { a: Assessment }) {
  const verdict = a.feedback ? verdictOf(assessmentValue(a)) : 'neutral';
  const text = assessmentValueText(a);
  return (
    <span class={`badge assess ${verdict} ${a.valid === false ? 'overridden' : ''}`}
          title={`${a.assessment_name} = ${text} (${sourceLabel(a.source?.source_type)}${a.source?.source_id ? ': ' + a.source.source_id : ''})`}>
      {a.assessment_name}: {text.length > 24 ? text.slice(0, 24) + '…' : text}
    </span>
  );
}

interface FormState {
  kind: Kind;
  name: string;
  fbType: FeedbackType;
  pass: boolean | null;
  number: string;
  text: string;
  exType: ExpectationType;
  rationale: string;
  user: string;
  target: 'trace' | 'span';
}

function formFrom(a: Assessment | null, spanSelected: boolean): FormState {
  const base: FormState = {
    kind: 'feedback', name: '', fbType: 'passfail', pass: null, number: '', text: '',
    exType: 'answer', rationale: '', user: defaultUser(), target: spanSelected ? 'span' : 'trace',
  };
  if (!a) return base;
  const v = assessmentValue(a);
  base.kind = a.expectation ? 'expectation' : 'feedback';
  base.name = a.assessment_name;
  base.rationale = a.rationale ?? '';
  base.target = a.span_id ? 'span' : 'trace';
  base.user = a.source?.source_id ?? base.user;
  if (base.kind === 'feedback') {
    if (typeof v === 'boolean') { base.fbType = 'passfail'; base.pass = v; }
    else if (typeof v === 'number') { base.fbType = 'number'; base.number = String(v); }
    else { base.fbType = 'text'; base.text = typeof v === 'string' ? v : JSON.stringify(v ?? ''); }
  } else if (Array.isArray(v)) {
    base.exType = 'facts';
    base.text = v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n');
  } else {
    base.exType = 'answer';
    base.text = typeof v === 'string' ? v : JSON.stringify(v ?? '');
  }
  return base;
}

function AssessmentForm({ traceId, spanId, editing, onDone }: {
  traceId: string; spanId?: string; editing: Assessment | null; onDone: (changed: boolean) => void;
}) {
  const [f, setF] = useState<FormState>(() => formFrom(editing, !!spanId));
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<FormState>) => setF({ ...f, ...patch });

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    const name = f.name.trim();
    if (!name) { setError('Give the assessment a name, e.g. correctness'); return; }
    let value: unknown;
    if (f.kind === 'feedback') {
      if (f.fbType === 'passfail') {
        if (f.pass === null) { setError('Choose pass or fail'); return; }
        value = f.pass;
      } else if (f.fbType === 'number') {
        const n = Number(f.number);
        if (f.number.trim() === '' || !Number.isFinite(n)) { setError('Enter a number'); return; }
        value = n;
      } else {
        value = f.text;
      }
    } else if (f.exType === 'facts') {
      value = f.text.split('\n').map((s) => s.trim()).filter((s) => s);
      if ((value as string[]).length === 0) { setError('Enter at least one expected fact, one per line'); return; }
    } else {
      value = f.text;
    }
    const user = f.user.trim() || 'anonymous';
    try { localStorage.setItem(USER_KEY, user); } catch { /* private mode */ }
    const body: Partial<Assessment> = {
      assessment_name: name,
      source: { source_type: 'HUMAN', source_id: user },
      rationale: f.rationale,
    };
    if (f.kind === 'feedback') body.feedback = { value };
    else body.expectation = { value };
    setBusy(true);
    try {
      if (editing) {
        await updateAssessment(traceId, editing.assessment_id, body,
                               ['assessment_name', f.kind, 'rationale']);
      } else {
        if (f.target === 'span' && spanId) body.span_id = spanId;
        await createAssessment(traceId, body);
      }
      onDone(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="assess-form" onSubmit={submit} aria-label={editing ? 'Edit assessment' : 'Add assessment'}>
      <div class="seg">
        <label><input type="radio" name="kind" checked={f.kind === 'feedback'} disabled={!!editing}
                      onChange={() => set({ kind: 'feedback' })} /> Feedback</label>
        <label><input type="radio" name="kind" checked={f.kind === 'expectation'} disabled={!!editing}
                      onChange={() => set({ kind: 'expectation' })} /> Expectation</label>
      </div>
      <label class="field">Name
        <input name="assessment-name" value={f.name} placeholder={f.kind === 'feedback' ? 'correctness' : 'expected_response'}
               onInput={(e) => set({ name: (e.target as HTMLInputElement).value })} />
      </label>
      {f.kind === 'feedback' ? (
        <>
          <div class="seg">
            {(['passfail', 'number', 'text'] as FeedbackType[]).map((t) => (
              <label key={t}><input type="radio" name="fbtype" checked={f.fbType === t} onChange={() => set({ fbType: t })} />
                {t === 'passfail' ? ' Pass/fail' : t === 'number' ? ' Number' : ' Text'}</label>
            ))}
          </div>
          {f.fbType === 'passfail' && (
            <div class="seg">
              <button type="button" class={`pf pass ${f.pass === true ? 'on' : ''}`} onClick={() => set({ pass: true })}>✓ Pass</button>
              <button type="button" class={`pf fail ${f.pass === false ? 'on' : ''}`} onClick={() => set({ pass: false })}>✗ Fail</button>
            </div>
          )}
          {f.fbType === 'number' && (
            <label class="field">Value<input name="value-number" inputMode="decimal" value={f.number}
                   onInput={(e) => set({ number: (e.target as HTMLInputElement).value })} /></label>
          )}
          {f.fbType === 'text' && (
            <label class="field">Value<input name="value-text" value={f.text}
                   onInput={(e) => set({ text: (e.target as HTMLInputElement).value })} /></label>
          )}
        </>
      ) : (
        <>
          <div class="seg">
            <label><input type="radio" name="extype" checked={f.exType === 'answer'} onChange={() => set({ exType: 'answer' })} /> Expected answer</label>
            <label><input type="radio" name="extype" checked={f.exType === 'facts'} onChange={() => set({ exType: 'facts' })} /> Expected facts</label>
          </div>
          <label class="field">{f.exType === 'facts' ? 'Facts (one per line)' : 'Answer'}
            <textarea name="value-expectation" rows={3} value={f.text}
                      onInput={(e) => set({ text: (e.target as HTMLTextAreaElement).value })} /></label>
        </>
      )}
      <label class="field">Rationale
        <textarea name="rationale" rows={2} value={f.rationale}
                  onInput={(e) => set({ rationale: (e.target as HTMLTextAreaElement).value })} /></label>
      <div class="row-fields">
        <label class="field">Your name
          <input name="source-id" value={f.user} placeholder="anonymous"
                 onInput={(e) => set({ user: (e.target as HTMLInputElement).value })} /></label>
        {!editing && spanId && (
          <label class="field">On
            <select name="target" value={f.target} onChange={(e) => set({ target: (e.target as HTMLSelectElement).value as 'trace' | 'span' })}>
              <option value="span">the selected span</option>
              <option value="trace">the whole trace</option>
            </select></label>
        )}
      </div>
      {error && <div class="error" role="alert">{error}</div>}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{editing ? 'Save' : 'Add'}</button>
        <button type="button" onClick={() => onDone(false)}>Cancel</button>
      </div>
    </form>
  );
}

// The judge's tokens and cost, and a link to the trace of its own call (MLflow's
// mlflow.assessment.* metadata keys), when the assessment came from an LLM judge.
function JudgeCall({ a }: { a: Assessment }) {
  const md = a.metadata ?? {};
  const judgeTrace = md['mlflow.assessment.scorerTraceId'];
  const tokensIn = md['mlflow.assessment.judgeInputTokens'];
  const tokensOut = md['mlflow.assessment.judgeOutputTokens'];
  const cost = md['mlflow.assessment.judgeCost'];
  const exp = /^\/experiments\/[^/]+/.exec(window.location.pathname)?.[0];
  return (
    <>
      {(tokensIn || tokensOut) && <span title="the judge's tokens (input / output)">{tokensIn ?? '?'} / {tokensOut ?? '?'} tok</span>}
      {cost && Number.isFinite(Number(cost)) && <span title="the judge's cost">${Number(cost).toPrecision(2)}</span>}
      {md['tracelake.assessment.judgeCached'] === 'true' && <span title="answered from the judge cache">cached</span>}
      {judgeTrace && exp && (
        <a href={`${exp}/traces/${encodeURIComponent(judgeTrace)}`} onClick={linkClick} data-judge-trace={judgeTrace}>judge call</a>
      )}
    </>
  );
}

export function AssessmentList({ traceId, assessments, spanId, spanName, onChanged, onSelectSpan }: {
  traceId: string;
  assessments: Assessment[];
  spanId?: string;                       // the selected span (for new span assessments)
  spanName: (id: string) => string;
  onChanged: () => void;
  onSelectSpan: (id: string) => void;
}) {
  const [editing, setEditing] = useState<Assessment | null | 'new'>(null);
  const [error, setError] = useState('');
  const remove = async (a: Assessment) => {
    if (!window.confirm(`Remove assessment "${a.assessment_name}"?`)) return;
    try {
      await deleteAssessment(traceId, a.assessment_id);
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  const sorted = [...assessments].sort((a, b) => (a.create_time ?? '').localeCompare(b.create_time ?? ''));
  return (
    <div class="assessments">
      {sorted.length === 0 && <p class="muted">No assessments yet.</p>}
      <ul class="assess-list">
        {sorted.map((a) => {
          const verdict = a.feedback ? verdictOf(assessmentValue(a)) : 'neutral';
          return (
            <li key={a.assessment_id} class={`assess-item ${a.valid === false ? 'overridden' : ''}`} data-assessment-id={a.assessment_id}>
              <div class="assess-head">
                <span class="assess-name">{a.assessment_name}</span>
                <span class={`kind ${a.expectation ? 'expectation' : 'feedback'}`}>{a.expectation ? 'expectation' : 'feedback'}</span>
                <span class={`value ${verdict}`}>{assessmentValueText(a)}</span>
              </div>
              {a.rationale && <div class="rationale">{a.rationale}</div>}
              {a.feedback?.error && (
                <div class="assess-error" data-assessment-error>
                  {a.feedback.error.error_code ?? 'ERROR'}: {a.feedback.error.error_message ?? ''}
                </div>
              )}
              <div class="assess-meta">
                <span class={`source src-${a.source?.source_type ?? 'x'}`}>{sourceLabel(a.source?.source_type)}</span>
                {a.source?.source_id && <span>{a.source.source_id}</span>}
                <span>{formatTime(a.last_update_time ?? a.create_time)}</span>
                {a.span_id ? (
                  <button class="link" onClick={() => onSelectSpan(a.span_id!)}>span {spanName(a.span_id)}</button>
                ) : <span>trace</span>}
                {a.valid === false && <span>overridden</span>}
                <JudgeCall a={a} />
                <span class="grow" />
                <button class="link" onClick={() => setEditing(a)}>Edit</button>
                <button class="link danger" onClick={() => remove(a)}>Remove</button>
              </div>
              {editing === a && (
                <AssessmentForm traceId={traceId} spanId={spanId} editing={a}
                                onDone={(changed) => { setEditing(null); if (changed) onChanged(); }} />
              )}
            </li>
          );
        })}
      </ul>
      {error && <div class="error" role="alert">{error}</div>}
      {editing === 'new' ? (
        <AssessmentForm traceId={traceId} spanId={spanId} editing={null}
                        onDone={(changed) => { setEditing(null); if (changed) onChanged(); }} />
      ) : (
        <button class="primary" onClick={() => setEditing('new')}>+ Add assessment</button>
      )}
    </div>
  );
}
