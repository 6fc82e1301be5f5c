// The filter grammar in short (docs/search.md has all of it), with examples to pick.
const EXAMPLES = [
  "status = 'ERROR'",
  'execution_time_ms > 5000',
  "name LIKE '%agent%'",
  "tags.env = 'prod' AND status = 'OK'",
  "metadata.`mlflow.trace.user` = 'alice'",
  "span.type = 'LLM' AND span.name ILIKE '%gpt%'",
  "span.content ILIKE '%refund%'",
  "span.model = 'gpt-4o'",
  "text ILIKE '%timeout%'",
  "feedback.correctness = 'false'",
  "status = 'ERROR' OR execution_time_ms > 10000",
];

export function FilterHelp({ onPick }: { onPick: (f: string) => void }) {
  return (
    <div class="help" data-help="filter">
      <div class="help-cols">
        <div>
          <h4>Fields</h4>
          <ul>
            <li><code>status</code> <span class="muted">= != IN · 'OK' 'ERROR' 'IN_PROGRESS'</span></li>
            <li><code>timestamp_ms</code>, <code>execution_time_ms</code> <span class="muted">= != &lt; &lt;= &gt; &gt;= · numbers</span></li>
            <li><code>name</code>, <code>client_request_id</code>, <code>run_id</code> <span class="muted">= != LIKE ILIKE IN</span></li>
            <li><code>text</code> <span class="muted">LIKE ILIKE · inputs, outputs and name</span></li>
            <li><code>tags.key</code>, <code>metadata.key</code> <span class="muted">= != LIKE ILIKE IS [NOT] NULL</span></li>
            <li><code>span.name</code>, <code>span.type</code>, <code>span.status</code>, <code>span.model</code>, <code>span.error_type</code>, <code>span.attributes.key</code>, <code>span.content</code></li>
            <li><code>feedback.name</code>, <code>expectation.name</code> <span class="muted">compared as text</span></li>
          </ul>
        </div>
        <div>
          <h4>Syntax</h4>
          <ul>
            <li>Strings in quotes: <code>'OK'</code>; numbers bare: <code>1000</code></li>
            <li>Keys with dots in backticks: <code>tags.`mlflow.user`</code></li>
            <li><code>AND</code>, <code>OR</code>, parentheses; <code>%</code> and <code>_</code> are LIKE wildcards</li>
          </ul>
          <h4>Examples <span class="muted">(click to use)</span></h4>
          <ul class="examples">
            {EXAMPLES.map((e) => <li key={e}><button type="button" class="link mono" onClick={() => onPick(e)}>{e}</button></li>)}
          </ul>
        </div>
      </div>
    </div>
  );
}
