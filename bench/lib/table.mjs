// Plain-text tables for the bench report (stdout, and Markdown for the README).
import { formatBytes, formatMs } from './stats.mjs';

/** Pads columns to their widest cell; `align` is 'l' or 'r' per column. */
export function textTable(headers, rows, align = []) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const cell = (s, i) => (align[i] === 'r' ? String(s ?? '').padStart(widths[i]) : String(s ?? '').padEnd(widths[i]));
  const line = (cells) => cells.map(cell).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** GitHub Markdown table. */
export function markdownTable(headers, rows, align = []) {
  const esc = (s) => String(s ?? '').replace(/\|/g, '\\|');
  const sep = headers.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [headers, sep, ...rows].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
}

function fmtValue(value, unit) {
  return unit === 'bytes' ? formatBytes(value) : formatMs(value);
}

/**
 * Rows of the figures table from bench sections:
 * [{ title, rows: [{ tool, unit, summary?, ratio?, ratioOf?, na? }] }]
 */
export function figureRows(sections) {
  const rows = [];
  for (const section of sections) {
    let first = true;
    for (const row of section.rows) {
      const title = first ? section.title : '';
      first = false;
      if (row.na || !row.summary) {
        rows.push([title, row.tool, `n/a (${row.na ?? 'no result'})`, '', '', '', '']);
        continue;
      }
      const s = row.summary;
      rows.push([
        title,
        row.tool,
        fmtValue(s.median, row.unit),
        fmtValue(s.min, row.unit),
        fmtValue(s.max, row.unit),
        String(s.n),
        row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×${row.ratioOf ? ` ${row.ratioOf}` : ''}`,
      ]);
    }
  }
  return rows;
}

export const FIGURE_HEADERS = ['figure', 'tool', 'median', 'min', 'max', 'runs', 'ratio'];
export const FIGURE_ALIGN = ['l', 'l', 'r', 'r', 'r', 'r', 'l'];

/** Targets as rows: [target, measured, verdict]. */
export function targetRows(targets) {
  return targets.map((t) => [t.text, t.measured ?? 'n/a', t.met === undefined ? 'n/a' : t.met ? 'met' : 'MISSED']);
}

export const TARGET_HEADERS = ['target', 'measured', 'verdict'];
