/**
 * Charts as inline SVG for evsim's self-contained report pages (`evsim stats
 * --html`, `evsim loadtest --html`): Vega-Lite specs rendered here, so a page
 * has no script to run and nothing to fetch; the page style they share.
 *
 * @module
 */
import * as vega from "vega";
import * as vl from "vega-lite";

/** The style of evsim's report pages. */
export const PAGE_STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 0 auto; padding: 1em 1.5em; max-width: 1100px; }
h1 { margin: 0.2em 0; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
dl.facts { display: flex; flex-wrap: wrap; gap: 0.4em 2em; margin: 0.5em 0; }
dl.facts div { display: flex; gap: 0.4em; }
dl.facts dt { color: #666; }
dl.facts dd { margin: 0; font-weight: 600; }
dl.facts .warn dd { color: #b3261e; }
table { border-collapse: collapse; margin: 0.5em 0; }
caption { text-align: left; color: #555; padding-bottom: 0.3em; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #e4e4e4; text-align: right; vertical-align: top; }
th { background: #f4f4f4; }
th:first-child, td.text { text-align: left; }
td.na { color: #999; font-style: italic; }
tr.fail td { background: #fdecea; }
td.result { font-weight: 700; white-space: nowrap; }
td.result.pass { color: #1e7b34; }
td.result.fail { color: #b3261e; }
td.result.none { color: #999; }
figure.chart { margin: 1em 0 2em; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 13px; margin-top: 0.3em; }
p.no-data { color: #999; font-style: italic; border: 1px dashed #ccc; padding: 1em; margin: 0; }
`;

/** The look of every chart. */
const VEGA_CONFIG: vl.Config = {
  font: "system-ui, sans-serif",
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal" },
  header: { labelFontSize: 13, labelFontWeight: "bold" },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 240 },
  view: { stroke: "#ddd" },
};

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders a Vega-Lite spec to an SVG string, with path coordinates to a tenth of a pixel. */
export async function toSvg(spec: vl.TopLevelSpec): Promise<string> {
  const compiled = vl.compile({ ...spec, config: VEGA_CONFIG } as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return svg.replace(/ d="([^"]*)"/g, (_, d: string) => ` d="${d.replace(/\d*\.\d+/g, round)}"`);
  } finally {
    view.finalize();
  }
}

/** A decimal number to one decimal place; it keeps its point, so `1.25.5` (two numbers) stays two. */
function round(number: string): string {
  return Number(number).toFixed(1);
}

/** A chart's figure: its SVG, or "no data" when `svg` is null. */
function figure(id: string, caption: string, svg: string | null): string {
  const body = svg ?? `<p class="no-data">no data</p>`;
  return `<figure class="chart" id="${id}">\n${body}\n<figcaption>${
    escapeHtml(caption)
  }</figcaption>\n</figure>`;
}

/** Renders a chart's figure; a null spec shows "no data". */
export async function chartFigure(
  id: string,
  caption: string,
  spec: vl.TopLevelSpec | null,
): Promise<string> {
  return figure(id, caption, spec == null ? null : scopeIds(await toSvg(spec), id));
}

/**
 * Renames the ids inside an SVG (Vega numbers its clip paths process-wide) to
 * `<prefix>-1`, `<prefix>-2`…: unique in the page, and the same on every run.
 */
function scopeIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const [, id] of svg.matchAll(/ id="([^"]+)"/g)) ids.set(id, `${prefix}-${ids.size + 1}`);
  if (ids.size === 0) return svg;
  return svg.replace(
    / id="([^"]+)"|url\(#([^)]+)\)|href="#([^"]+)"/g,
    (match, id?: string, url?: string, href?: string) => {
      const name = ids.get(id ?? url ?? href ?? "");
      if (name == null) return match;
      return id ? ` id="${name}"` : url ? `url(#${name})` : `href="#${name}"`;
    },
  );
}

/**
 * The start of a report page, to its `<body>`: a policy that lets it run no
 * script and fetch nothing, its title and the shared style.
 */
export function pageHead(title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="evsim">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
`;
}
