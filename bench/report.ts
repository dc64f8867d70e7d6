/** Renders the bench results: a markdown table and a hand-written SVG bar chart of the median flows/s. */

export interface StackSummary {
  id: string;
  label: string;
  group: string;
  platform: string;
  rounds: number;
  flowsPerSecond: number;
  /** The slowest and the fastest run: how much the machine moved between runs. */
  flowsPerSecondRange: [number, number];
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  cpuMsPerFlow: number;
}

export interface MemorySummary {
  ttlSeconds: number;
  points: Array<{ pending: number; heapDeltaBytes: number; bytesPerFlow: number }>;
  afterTtl: { pending: number; heapDeltaBytes: number };
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;

export function markdownReport(
  summaries: StackSummary[],
  ratios: Array<{ of: string; to: string; ratio: number; target?: number }>,
  memory: MemorySummary | undefined,
  meta: { machine: string; options: string; loadavg: string },
): string {
  const lines: string[] = [];
  lines.push(`Medians over ${Math.max(...summaries.map((s) => s.rounds), 0)} round(s). ${meta.options}`);
  lines.push(`Machine: ${meta.machine}. Load average during the run: ${meta.loadavg}.`);
  lines.push('');
  lines.push(
    '| Stack | Platform | flows/s | runs, slowest–fastest | p50 ms | p99 ms | peak RSS MB | stack CPU ms/flow |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const s of summaries) {
    const [slowest, fastest] = s.flowsPerSecondRange;
    lines.push(
      `| ${s.label} | ${s.platform} | ${fmt(s.flowsPerSecond)} | ${fmt(slowest)}–${fmt(fastest)} | ${fmt(s.p50Ms, 1)} | ${fmt(s.p99Ms, 1)} | ${fmt(s.peakRssMb)} | ${fmt(s.cpuMsPerFlow, 3)} |`,
    );
  }
  if (ratios.length > 0) {
    lines.push('');
    lines.push('| Ratio (flows/s) | value | target |');
    lines.push('|---|---:|---:|');
    for (const r of ratios) {
      const met = r.target === undefined ? '' : ` ${r.ratio >= r.target ? 'met' : 'NOT met'}`;
      lines.push(
        `| ${r.of} ÷ ${r.to} | ${fmt(r.ratio, 2)}× | ${r.target === undefined ? '' : `≥ ${r.target}×${met}`} |`,
      );
    }
  }
  if (memory) {
    lines.push('');
    lines.push(
      `In-memory state store, abandoned flows (authorize only), heap after GC above the empty store (TTL ${memory.ttlSeconds} s):`,
    );
    lines.push('');
    lines.push('| Pending flows | heap used | per flow |');
    lines.push('|---:|---:|---:|');
    for (const p of memory.points)
      lines.push(`| ${fmt(p.pending)} | ${mb(p.heapDeltaBytes)} | ${fmt(p.bytesPerFlow)} B |`);
    lines.push(
      `| ${fmt(memory.afterTtl.pending)} after the TTL and a sweep | ${mb(memory.afterTtl.heapDeltaBytes)} | |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const COLORS: Record<string, string> = { a: '#9e9e9e', b: '#e07b39', c: '#8e6cc0', d: '#4f8fc0', e: '#2e9d5b' };

export function throughputSvg(summaries: StackSummary[], title: string): string {
  const barHeight = 26;
  const gap = 10;
  // Room for the longest label (about 7 px per character at 13 px).
  const left = 20 + Math.ceil(Math.max(...summaries.map((s) => `${s.label} · ${s.platform}`.length), 10) * 7);
  const chartWidth = 460;
  const top = 50;
  const width = left + chartWidth + 90;
  const height = top + summaries.length * (barHeight + gap) + 40;
  const max = Math.max(...summaries.map((s) => (Number.isFinite(s.flowsPerSecond) ? s.flowsPerSecond : 0)), 1);
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  parts.push(
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
  );
  summaries.forEach((s, index) => {
    const y = top + index * (barHeight + gap);
    const value = Number.isFinite(s.flowsPerSecond) ? s.flowsPerSecond : 0;
    const w = Math.max(1, Math.round((value / max) * chartWidth));
    parts.push(
      `<text x="${left - 8}" y="${y + barHeight / 2 + 4}" text-anchor="end">${escape(`${s.label} · ${s.platform}`)}</text>`,
    );
    parts.push(
      `<rect x="${left}" y="${y}" width="${w}" height="${barHeight}" fill="${COLORS[s.group] ?? '#777'}" rx="2"/>`,
    );
    parts.push(`<text x="${left + w + 6}" y="${y + barHeight / 2 + 4}">${escape(fmt(value))}</text>`);
  });
  const axisY = top + summaries.length * (barHeight + gap) + 4;
  parts.push(`<line x1="${left}" y1="${top - 6}" x2="${left}" y2="${axisY}" stroke="#333"/>`);
  parts.push(
    `<text x="${left + chartWidth / 2}" y="${axisY + 22}" text-anchor="middle" fill="#555">median completed flows per second (authorize + callback with token POST), higher is better</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
