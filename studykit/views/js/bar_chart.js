// plots.bar_chart_svg in the browser: the same chart description gives the same SVG text.
//
// A chart is {title, subtitle, labels, series: [{name, values, color}], notes, xlabel}; see
// studykit.views.plots.BarChart. The parity test compares this SVG with Python's, character for character.

import { escapeHtml, fixed, formatShare } from "./format.js";

const REMOVED_TEXT = "#9aa4ad";
const INK = "#1f2a33";
const PROBABILITY_AXIS = "probability (share of shoppers)";

export function barChartSvg(chart, width = 680) {
  const notes = chart.notes || [];
  const xlabel = chart.xlabel || PROBABILITY_AXIS;
  const note = (row) => notes[row] || "";
  const removed = (row) => note(row).startsWith("✗");
  const text = (s) => escapeHtml(s, false);
  const labelW = 150, valueW = 52, noteW = 96;
  const x0 = labelW, x1 = width - valueW - noteW;
  const nSeries = chart.series.length;
  const barH = nSeries === 1 ? 13 : 10;
  const rowH = barH * nSeries + 9;
  const head = 26 + (chart.subtitle ? 17 : 0);
  const top = head + (nSeries > 1 ? 24 : 6);
  const height = top + rowH * chart.labels.length + 40;
  const scale = x1 - x0;

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12" ` +
      `role="img" aria-label="${escapeHtml(chart.title, true)}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="8" y="19" font-size="14" font-weight="bold" fill="${INK}">${text(chart.title)}</text>`,
  ];
  if (chart.subtitle) out.push(`<text x="8" y="37" font-size="13" fill="${INK}">${text(chart.subtitle)}</text>`);
  if (nSeries > 1) { // legend under the title
    let x = x0;
    for (const s of chart.series) {
      out.push(`<rect x="${x}" y="${head}" width="12" height="12" fill="${s.color}"/>`);
      out.push(`<text x="${x + 17}" y="${head + 10}" fill="${INK}">${text(s.name)}</text>`);
      x += 30 + 7 * [...s.name].length;
    }
  }
  const bottom = top + rowH * chart.labels.length;
  for (const tick of [0, 0.25, 0.5, 0.75, 1.0]) { // gridlines first, so bars sit on top
    const x = x0 + tick * scale;
    out.push(`<line x1="${fixed(x, 1)}" y1="${top - 4}" x2="${fixed(x, 1)}" y2="${bottom}" stroke="#e3e7eb"/>`);
    out.push(`<text x="${fixed(x, 1)}" y="${bottom + 15}" text-anchor="middle" fill="#5b6670">${fixed(tick * 100, 0)}%</text>`);
  }
  out.push(`<text x="${fixed((x0 + x1) / 2, 1)}" y="${bottom + 32}" text-anchor="middle" fill="#5b6670">` +
    `${text(xlabel)}</text>`);

  chart.labels.forEach((label, row) => {
    const y = top + row * rowH;
    const labelColor = removed(row) ? REMOVED_TEXT : INK;
    out.push(`<text x="${x0 - 8}" y="${fixed(y + rowH / 2 + 4, 1)}" text-anchor="end" ` +
      `fill="${labelColor}">${text(label)}</text>`);
    chart.series.forEach((s, i) => {
      const value = s.values[row];
      const barY = y + 4 + i * barH;
      const barW = Math.max(value, 0.0) * scale;
      out.push(`<rect x="${x0}" y="${barY}" width="${fixed(barW, 1)}" height="${barH - 1}" fill="${s.color}"/>`);
      if (value > 0 || !removed(row)) { // a removed stall's 0 % says nothing the note doesn't
        out.push(`<text x="${fixed(x0 + barW + 4, 1)}" y="${barY + barH - 2}" font-size="10.5" ` +
          `fill="#5b6670">${formatShare(value)}</text>`);
      }
    });
    if (note(row)) {
      out.push(`<text x="${x1 + valueW}" y="${fixed(y + rowH / 2 + 4, 1)}" font-size="11" ` +
        `fill="${REMOVED_TEXT}">${text(note(row))}</text>`);
    }
  });
  out.push("</svg>");
  return out.join("");
}
