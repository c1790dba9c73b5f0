/**
 * The load bench's plot, as a hand-written SVG (no dependencies): consumers held at < 1 % loss per setup, and
 * upload per peer against room size in a mesh and through the SFU (measured points filled, derived ones hollow).
 */

export type Bar = { label: string; value: number; note?: string };
export type UploadPoint = { n: number; kbps: number; measured: boolean };

const W = 860;
const H = 380;
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x: number, y: number, body: string, extra = '') => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${extra}>${esc(body)}</text>`;

/** A round step for axis ticks: 1, 2 or 5 times a power of ten, about `count` ticks up to `max`. */
export function tickStep(max: number, count = 5): number {
  const raw = Math.max(max, 1) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? 10 * power);
}

function bars(x0: number, y0: number, w: number, h: number, items: Bar[]): string {
  const max = Math.max(1, ...items.map((b) => b.value)) * 1.1;
  const step = tickStep(max);
  const out = [text(x0, y0 - 14, 'Consumers forwarded at < 1 % loss (600 kbit/s VP8 each)', 'font-weight="600"')];
  for (let v = 0; v <= max; v += step) {
    const y = y0 + h - (v / max) * h;
    out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ddd"/>`, text(x0 - 6, y + 4, String(v), 'text-anchor="end"'));
  }
  const slot = w / items.length;
  items.forEach((bar, i) => {
    const bh = (bar.value / max) * h;
    const x = x0 + i * slot + slot * 0.15;
    const colour = bar.value > 0 ? ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1'][i % 4] : '#ccc';
    out.push(`<rect x="${x.toFixed(1)}" y="${(y0 + h - bh).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${bh.toFixed(1)}" fill="${colour}"/>`);
    out.push(text(x + slot * 0.35, y0 + h - bh - 5, bar.value > 0 ? String(bar.value) : 'not yet', 'text-anchor="middle"'));
    bar.label.split('\n').forEach((line, j) => out.push(text(x + slot * 0.35, y0 + h + 16 + j * 14, line, 'text-anchor="middle"')));
  });
  return out.join('\n');
}

function upload(x0: number, y0: number, w: number, h: number, mesh: UploadPoint[], sfu: UploadPoint[]): string {
  const all = [...mesh, ...sfu];
  const maxN = Math.max(12, ...all.map((p) => p.n));
  const maxK = Math.max(1, ...all.map((p) => p.kbps)) * 1.1;
  const step = tickStep(maxK);
  const sx = (n: number) => x0 + ((n - 2) / (maxN - 2)) * w;
  const sy = (kbps: number) => y0 + h - (kbps / maxK) * h;
  const out = [text(x0, y0 - 14, 'Upload per peer (video), kbit/s, by people in the call', 'font-weight="600"')];
  for (let v = 0; v <= maxK; v += step) {
    out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#ddd"/>`, text(x0 - 6, sy(v) + 4, String(v), 'text-anchor="end"'));
  }
  for (let n = 2; n <= maxN; n += 2) out.push(text(sx(n), y0 + h + 16, String(n), 'text-anchor="middle"'));
  out.push(text(x0 + w / 2, y0 + h + 32, 'N (people in the call)', 'text-anchor="middle"'));
  const series = (points: UploadPoint[], colour: string, label: string, labelAt: number) => {
    const sorted = [...points].sort((a, b) => a.n - b.n);
    const path = sorted.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.n).toFixed(1)},${sy(p.kbps).toFixed(1)}`).join(' ');
    const dots = sorted.map((p) => `<circle cx="${sx(p.n).toFixed(1)}" cy="${sy(p.kbps).toFixed(1)}" r="4" fill="${p.measured ? colour : 'white'}" stroke="${colour}" stroke-width="2"/>`);
    return [`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`, ...dots, text(x0 + 8, labelAt, label, `fill="${colour}"`)].join('\n');
  };
  out.push(series(mesh, '#e15759', 'mesh: N − 1 streams', y0 + 4), series(sfu, '#4e79a7', 'SFU: one (simulcast) upload', y0 + 20));
  out.push(text(x0 + 8, y0 + 36, 'filled: measured, hollow: derived', 'fill="#666"'));
  return out.join('\n');
}

/** The whole figure. */
export function plotSvg(limits: Bar[], mesh: UploadPoint[], sfu: UploadPoint[], caption: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT}>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    bars(60, 40, 330, 250, limits),
    upload(480, 40, 350, 250, mesh, sfu),
    text(10, H - 8, caption, 'fill="#666" font-size="11"'),
    '</svg>',
    '',
  ].join('\n');
}
