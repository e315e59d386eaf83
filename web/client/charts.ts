/**
 * The live charts over simulated time (uPlot): network power by site type,
 * sessions in progress, and arrivals, failed starts and faults per simulated
 * hour. They are redrawn from the model's series when it has new points.
 *
 * @module
 */
/// <reference lib="dom" />
import uPlot from "uplot";
import { SITE_TYPES } from "../frame.ts";
import type { Series } from "./live_model.ts";

const SITE_COLORS: Record<string, string> = {
  workplace: "#4e79a7",
  public: "#59a14f",
  dc_fast: "#e15759",
  residential: "#b07aa1",
};

const SITE_LABELS: Record<string, string> = {
  workplace: "workplace",
  public: "public",
  dc_fast: "DC fast",
  residential: "residential",
};

/** One chart: its title, its lines, and which series each takes. */
interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  lines: { label: string; stroke: string; values: (s: Series) => number[] }[];
}

const SPECS: ChartSpec[] = [
  {
    id: "chart-power",
    title: "Network power by site type",
    unit: "kW",
    lines: SITE_TYPES.map((site, i) => ({
      label: SITE_LABELS[site],
      stroke: SITE_COLORS[site],
      values: (s: Series) => s.powerKw[i],
    })),
  },
  {
    id: "chart-sessions",
    title: "Sessions in progress",
    unit: "sessions",
    lines: [{ label: "plugged in", stroke: "#4e79a7", values: (s) => s.sessions }],
  },
  {
    id: "chart-rates",
    title: "Per simulated hour",
    unit: "per hour",
    lines: [
      { label: "arrivals", stroke: "#4e79a7", values: (s) => s.arrivalsPerHour },
      { label: "failed starts", stroke: "#f28e2b", values: (s) => s.failedStartsPerHour },
      { label: "faults", stroke: "#e15759", values: (s) => s.faultsPerHour },
    ],
  },
];

/** The three charts in `container`. */
export class Charts {
  readonly #plots: { spec: ChartSpec; plot: uPlot; element: HTMLElement }[] = [];
  /** Lines with no data are hidden (residential, on the default network). */
  #hidden = new Set<string>();

  constructor(container: HTMLElement) {
    for (const spec of SPECS) {
      const element = document.createElement("figure");
      element.className = "chart";
      element.id = spec.id;
      const caption = document.createElement("figcaption");
      caption.textContent = spec.title;
      element.append(caption);
      container.append(element);
      const plot = new uPlot(
        {
          width: this.#width(container),
          height: 150,
          legend: { show: true, live: false },
          cursor: { drag: { x: false, y: false } },
          scales: {
            x: { time: true },
            y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
          },
          axes: [
            { values: (_u, ticks) => ticks.map(utcTime) },
            { label: spec.unit, size: 56, values: (_u, ticks) => ticks.map((t) => compact(t)) },
          ],
          series: [
            { label: "simulated time (UTC)" },
            ...spec.lines.map((line) => ({
              label: line.label,
              stroke: line.stroke,
              width: 1.5,
              value: (_u: uPlot, v: number | null) => v === null ? "–" : compact(v),
            })),
          ],
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
        },
        [[], ...spec.lines.map(() => [])],
        element,
      );
      this.#plots.push({ spec, plot, element });
    }
    new ResizeObserver(() => {
      for (const { plot } of this.#plots) {
        plot.setSize({ width: this.#width(container), height: 150 });
      }
    }).observe(container);
  }

  /** Redraws every chart from `series`. */
  update(series: Series): void {
    for (const { spec, plot, element } of this.#plots) {
      const data = [series.t, ...spec.lines.map((line) => line.values(series))];
      plot.setData(data as uPlot.AlignedData);
      // A site type that never drew power is hidden, so the legend lists what is there.
      spec.lines.forEach((line, i) => {
        const key = `${spec.id}:${line.label}`;
        const empty = spec.id === "chart-power" && data[i + 1].every((v) => v === 0);
        if (empty !== this.#hidden.has(key)) {
          if (empty) this.#hidden.add(key);
          else this.#hidden.delete(key);
          plot.setSeries(i + 1, { show: !empty });
        }
      });
      element.dataset.points = String(series.t.length);
    }
  }

  #width(container: HTMLElement): number {
    return Math.max(240, Math.floor(container.getBoundingClientRect().width) - 8);
  }
}

/** A tick of simulated time: `14:30`, or `01-06` at midnight. */
function utcTime(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return iso.slice(11, 16) === "00:00" ? iso.slice(5, 10) : iso.slice(11, 16);
}

/** A number short: 1234 → `1.2k`, 0.5 → `0.5`. */
export function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${Math.round(value / 1e3)}k`;
  if (abs >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return `${+value.toFixed(abs < 10 ? 1 : 0)}`;
}
