// Small SVG charts drawn by hand (no chart library). Every mark carries its numbers in data-*
// attributes (data-time, data-value, data-series) so tests and scripts can read them from the
// DOM, and a <title> for people. Clicking a mark calls onPick with its bucket time.

export interface ChartPoint { time: number; value: number | null }
export interface ChartSeries { name: string; points: ChartPoint[]; color: string }

const W = 560;
const H = 160;
const PAD_L = 48;
const PAD_B = 20;
const PAD_T = 8;

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  // Even steps so the middle tick of integer counts stays an integer (0, 3, 6 rather than 0, 2.5, 5).
  for (const m of [1, 2, 4, 6, 8, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function timeLabel(t: number, bucketMs: number): string {
  const d = new Date(t);
  const iso = d.toISOString();
  return bucketMs >= 86400e3 ? iso.slice(5, 10) : iso.slice(11, 16);
}

function Axis({ max, fmt }: { max: number; fmt: (v: number) => string }) {
  return (
    <g class="axis">
      {[0, 0.5, 1].map((f) => {
        const y = PAD_T + (H - PAD_T - PAD_B) * (1 - f);
        return (
          <g key={f}>
            <line x1={PAD_L} x2={W} y1={y} y2={y} class="grid" />
            <text x={PAD_L - 4} y={y + 4} text-anchor="end">{fmt(max * f)}</text>
          </g>
        );
      })}
    </g>
  );
}

export function BarChart({ name, series, bucketMs, fmt, onPick }: {
  name: string; series: ChartPoint[]; bucketMs: number; fmt: (v: number) => string; onPick?: (time: number) => void;
}) {
  const max = niceMax(Math.max(0, ...series.map((p) => p.value ?? 0)));
  const n = Math.max(1, series.length);
  const bw = (W - PAD_L) / n;
  const ih = H - PAD_T - PAD_B;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={name} data-chart={name}>
      <Axis max={max} fmt={fmt} />
      {series.map((p, i) => {
        const h = p.value ? (ih * p.value) / max : 0;
        return (
          <g key={p.time} class="bar" data-time={p.time} data-value={p.value ?? ''} onClick={() => onPick?.(p.time)}>
            <rect x={PAD_L + i * bw} y={PAD_T} width={bw} height={ih} class="hit" />
            <rect x={PAD_L + i * bw + bw * 0.1} y={PAD_T + ih - h} width={Math.max(1, bw * 0.8)} height={h} class="fill" />
            <title>{`${new Date(p.time).toISOString()}: ${p.value === null ? '—' : fmt(p.value)}`}</title>
          </g>
        );
      })}
      {series.length > 0 && [0, Math.floor((n - 1) / 2), n - 1].map((i) => (
        <text key={i} class="tick" x={PAD_L + i * bw + bw / 2} y={H - 4} text-anchor="middle">{timeLabel(series[i].time, bucketMs)}</text>
      ))}
    </svg>
  );
}

export function LineChart({ name, lines, bucketMs, fmt, onPick }: {
  name: string; lines: ChartSeries[]; bucketMs: number; fmt: (v: number) => string; onPick?: (time: number) => void;
}) {
  const all = lines.flatMap((l) => l.points.map((p) => p.value ?? 0));
  const max = niceMax(Math.max(0, ...all));
  const n = Math.max(1, lines[0]?.points.length ?? 1);
  const bw = (W - PAD_L) / n;
  const ih = H - PAD_T - PAD_B;
  const x = (i: number) => PAD_L + i * bw + bw / 2;
  const y = (v: number) => PAD_T + ih - (ih * v) / max;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={name} data-chart={name}>
      <Axis max={max} fmt={fmt} />
      {lines.map((l) => {
        const pts = l.points.map((p, i) => (p.value === null ? null : `${x(i)},${y(p.value)}`)).filter(Boolean);
        return (
          <g key={l.name} class="line" data-series={l.name}>
            <polyline points={pts.join(' ')} fill="none" stroke={l.color} stroke-width="1.5" />
            {l.points.map((p, i) => p.value === null ? null : (
              <circle key={p.time} cx={x(i)} cy={y(p.value)} r="3" fill={l.color} class="dot"
                      data-series={l.name} data-time={p.time} data-value={p.value} onClick={() => onPick?.(p.time)}>
                <title>{`${l.name} ${new Date(p.time).toISOString()}: ${fmt(p.value)}`}</title>
              </circle>
            ))}
          </g>
        );
      })}
      {(lines[0]?.points.length ?? 0) > 0 && [0, Math.floor((n - 1) / 2), n - 1].map((i) => (
        <text key={i} class="tick" x={x(i)} y={H - 4} text-anchor="middle">{timeLabel(lines[0].points[i].time, bucketMs)}</text>
      ))}
      <g class="legend">
        {lines.map((l, i) => <text key={l.name} x={W - 4} y={PAD_T + 10 + i * 12} text-anchor="end" fill={l.color}>{l.name}</text>)}
      </g>
    </svg>
  );
}
