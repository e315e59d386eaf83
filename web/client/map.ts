/**
 * The map: the US outline (us-atlas, drawn with d3-geo) and a dot per
 * station on a canvas, coloured by status and sized by ports, with zoom
 * (wheel, buttons, double-click), pan (drag) and a tooltip on hover or tap.
 * The outline is projected once into a `Path2D` (a resize projects it again
 * and keeps a zoomed view on the same place) and drawn once per view, then
 * kept as pixels; a redraw writes the dots into a copy of them
 * (`dots.ts`) and puts it on the canvas.
 *
 * @module
 */
/// <reference lib="dom" />
// @ts-types="@types/d3-geo"
import { geoAlbersUsa, geoPath, type GeoPermissibleObjects } from "d3-geo";
// @ts-types="@types/topojson-client"
import { feature, mesh } from "topojson-client";
import type { StationStatus, StationView } from "../frame.ts";
import { discOf, packed, stamp } from "./dots.ts";

/** Each status's colour, as the legend and the dots show it. */
export const STATUS_COLORS: Record<StationStatus, string> = {
  charging: "#1a9850",
  occupied: "#f29e0c",
  faulted: "#d7301f",
  maintenance: "#8856a7",
  available: "#7b8ea3",
};

/** The order dots are drawn in: the busiest on top. */
const DRAW_ORDER: StationStatus[] = ["available", "maintenance", "occupied", "faulted", "charging"];

/** The radius of a station's dot, in CSS pixels. */
export const dotRadius = (ports: number): number => Math.min(9, 2.5 + Math.sqrt(ports) * 1.3);

/** Each status's colour as red, green and blue. */
const rgbOf = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const STATUS_RGB = Object.fromEntries(
  Object.entries(STATUS_COLORS).map(([status, hex]) => [status, rgbOf(hex)]),
) as Record<StationStatus, number[]>;
/** Each status's colour as one opaque pixel (`packed`). */
const STATUS_WORD = Object.fromEntries(
  Object.entries(STATUS_RGB).map(([status, rgb]) => [status, packed(rgb)]),
) as Record<StationStatus, number>;

/** A TopoJSON topology, as us-atlas has it. */
export type Topology = Parameters<typeof feature>[0];

interface Placed {
  station: StationView;
  x: number;
  y: number;
}

/** A zoom and pan: screen = base × k + (x, y). */
interface View {
  k: number;
  x: number;
  y: number;
}

/** The map in `container`; call {@link StationMap.draw} after the stations change. */
export class StationMap {
  readonly canvas: HTMLCanvasElement;
  readonly #tooltip: HTMLElement;
  readonly #projection = geoAlbersUsa();
  readonly #nationShape: GeoPermissibleObjects;
  readonly #bordersShape: GeoPermissibleObjects;
  #nation: Path2D | undefined;
  #borders: Path2D | undefined;
  #stations: StationView[] = [];
  #placed: Placed[] = [];
  #view: View = { k: 1, x: 0, y: 0 };
  #width = 0;
  #height = 0;
  #hovered: StationView | undefined;
  /** The outline's pixels for the view `key`, and the buffer the dots are drawn into. */
  #outline: { key: string; pixels: ImageData } | undefined;
  /** The buffer the dots are drawn into, and its pixels as words (one a pixel). */
  #frame: { image: ImageData; words: Uint32Array } | undefined;
  /** Asked for a station's ports when its tooltip opens. */
  onHover: (station: StationView) => void = () => {};

  constructor(container: HTMLElement, outline: Topology) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "map-canvas";
    this.#tooltip = document.createElement("div");
    this.#tooltip.className = "tooltip";
    this.#tooltip.hidden = true;
    container.append(this.canvas, this.#tooltip);
    const objects = outline.objects as Record<string, Parameters<typeof feature>[1]>;
    this.#nationShape = feature(outline, objects.nation) as GeoPermissibleObjects;
    // deno-lint-ignore no-explicit-any
    this.#bordersShape = mesh(outline, objects.states as any, (a, b) => a !== b);
    this.#resize();
    this.#listen();
    new ResizeObserver(() => {
      if (this.#resize()) this.draw(this.show);
    }).observe(container);
  }

  /** Places `stations` (all of them: the filter decides what is drawn). */
  setStations(stations: Iterable<StationView>): void {
    this.#stations = [...stations];
    this.#place();
  }

  #place(): void {
    this.#placed = [];
    for (const station of this.#stations) {
      const at = this.#projection([station.longitude, station.latitude]);
      if (at) this.#placed.push({ station, x: at[0], y: at[1] });
    }
  }

  /** Zooms to show `stations` (all placed ones when empty), at most 400×. */
  fit(stations?: readonly StationView[]): void {
    const ids = stations && new Set(stations.map((s) => s.id));
    const points = this.#placed.filter((p) => !ids || ids.has(p.station.id));
    if (points.length === 0) return this.reset();
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const { x, y } of points) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
    const pad = 40;
    const k = Math.min(
      400,
      (this.#width - 2 * pad) / Math.max(x1 - x0, 1e-6),
      (this.#height - 2 * pad) / Math.max(y1 - y0, 1e-6),
    );
    this.#view = {
      k,
      x: this.#width / 2 - k * (x0 + x1) / 2,
      y: this.#height / 2 - k * (y0 + y1) / 2,
    };
  }

  /** The whole country. */
  reset(): void {
    this.#view = { k: 1, x: 0, y: 0 };
  }

  /** Zooms by `factor` around the screen point (`cx`, `cy`), the centre by default. */
  zoom(factor: number, cx = this.#width / 2, cy = this.#height / 2): void {
    const k = Math.max(0.5, Math.min(2000, this.#view.k * factor));
    const f = k / this.#view.k;
    this.#view = { k, x: cx - (cx - this.#view.x) * f, y: cy - (cy - this.#view.y) * f };
  }

  /**
   * Draws the outline and the dots of the stations `show` keeps; returns the
   * dots drawn. The outline is drawn once per view and kept as pixels; the
   * dots are written into a copy of them and put on the canvas at once (a
   * canvas call per dot, even a copy of a ready image, cost about 5 µs each in
   * Chromium's software canvas: 65 ms for the default network's dots).
   */
  draw(show: (station: StationView) => boolean = () => true): number {
    const ctx = this.canvas.getContext("2d", { willReadFrequently: true })!;
    const dpr = globalThis.devicePixelRatio || 1;
    const { k, x, y } = this.#view;
    const { width, height } = this.canvas;
    if (width === 0 || height === 0) return 0;
    const viewKey = `${width}x${height}:${k}:${x}:${y}:${dpr}`;
    if (this.#outline?.key !== viewKey) {
      this.#drawOutline(ctx, dpr);
      this.#outline = { key: viewKey, pixels: ctx.getImageData(0, 0, width, height) };
      const image = new ImageData(width, height);
      this.#frame = { image, words: new Uint32Array(image.data.buffer, 0, width * height) };
    }
    const { image, words } = this.#frame!;
    const pixels = image.data;
    pixels.set(this.#outline.pixels.data);
    let drawn = 0;
    const shown = this.#placed.filter((p) => show(p.station));
    for (const status of DRAW_ORDER) {
      const rgb = STATUS_RGB[status];
      const word = STATUS_WORD[status];
      for (const p of shown) {
        if (p.station.status !== status) continue;
        const cx = Math.round((p.x * k + x) * dpr);
        const cy = Math.round((p.y * k + y) * dpr);
        const disc = discOf(dotRadius(p.station.ports) * dpr);
        stamp(pixels, words, width, height, cx, cy, disc, rgb, word);
        drawn++;
      }
    }
    ctx.putImageData(image, 0, 0);
    this.canvas.dataset.dots = String(drawn);
    this.canvas.dataset.zoom = k.toFixed(2);
    return drawn;
  }

  /** Draws the US outline and state lines of the current view on a cleared canvas. */
  #drawOutline(ctx: CanvasRenderingContext2D, dpr: number): void {
    const { k, x, y } = this.#view;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.#nation) return;
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * x, dpr * y);
    ctx.fillStyle = "#eef1f4";
    ctx.fill(this.#nation);
    ctx.lineWidth = 1 / k;
    ctx.strokeStyle = "#9aa7b4";
    ctx.stroke(this.#borders!);
    ctx.stroke(this.#nation);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }

  /** Shows `html` in the tooltip for `station` if it is still the one hovered. */
  showTooltip(station: StationView, html: string): void {
    if (this.#hovered?.id !== station.id) return;
    this.#tooltip.innerHTML = html;
  }

  /** Where station `id`'s dot is, in page (client) coordinates; undefined if it is not placed. */
  clientPointOf(id: string): [number, number] | undefined {
    const p = this.#placed.find((q) => q.station.id === id);
    if (!p) return undefined;
    const { k, x, y } = this.#view;
    const box = this.canvas.getBoundingClientRect();
    return [box.left + p.x * k + x, box.top + p.y * k + y];
  }

  /** The station under the screen point (`sx`, `sy`), if any. */
  stationAt(sx: number, sy: number, show: (station: StationView) => boolean): Placed | undefined {
    const { k, x, y } = this.#view;
    let best: Placed | undefined;
    let bestDistance = Infinity;
    for (const p of this.#placed) {
      if (!show(p.station)) continue;
      const d = Math.hypot(p.x * k + x - sx, p.y * k + y - sy);
      if (d <= dotRadius(p.station.ports) + 3 && d < bestDistance) {
        best = p;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Where a station is on screen, in CSS pixels from the canvas's corner. */
  screenPoint(id: string): [number, number] | undefined {
    const p = this.#placed.find((p) => p.station.id === id);
    if (!p) return undefined;
    return [p.x * this.#view.k + this.#view.x, p.y * this.#view.k + this.#view.y];
  }

  /** Which stations the map draws; set by the page. */
  show: (station: StationView) => boolean = () => true;

  /** Fits the projection to the container; returns whether its size changed. */
  #resize(): boolean {
    const box = this.canvas.parentElement!.getBoundingClientRect();
    const dpr = globalThis.devicePixelRatio || 1;
    const width = Math.max(200, Math.round(box.width));
    const height = Math.max(200, Math.round(box.height));
    if (width === this.#width && height === this.#height) return false;
    const before = {
      width: this.#width,
      height: this.#height,
      scale: this.#projection.scale(),
      translate: this.#projection.translate(),
    };
    // The projection fills the box at k = 1.
    this.#projection.fitExtent([[10, 10], [width - 10, height - 10]], this.#nationShape);
    const { k, x, y } = this.#view;
    if (before.width > 0 && (k !== 1 || x !== 0 || y !== 0)) {
      // A zoomed view keeps its scale and the place at its centre. Left as it was, a city at
      // k = 80 moves hundreds of pixels away when the box narrows by a scrollbar's width (as it
      // does when the table's rows come or go). The screen point of a place is
      // k × (scale × p + translate) + (x, y), p its unit projection: k × scale stays, and (x, y)
      // takes up the moves of the translate and of the box's centre. (The whole country, k = 1
      // at the origin, just fills the new box.)
      const scale = this.#projection.scale();
      const translate = this.#projection.translate();
      const k1 = k * before.scale / scale;
      this.#view = {
        k: k1,
        x: x + (width - before.width) / 2 + k * before.translate[0] - k1 * translate[0],
        y: y + (height - before.height) / 2 + k * before.translate[1] - k1 * translate[1],
      };
    }
    const path = geoPath(this.#projection);
    this.#nation = new Path2D(path(this.#nationShape) ?? "");
    this.#borders = new Path2D(path(this.#bordersShape) ?? "");
    this.#width = width;
    this.#height = height;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.#place();
    return true;
  }

  #listen(): void {
    const canvas = this.canvas;
    let drag: { x: number; y: number; moved: boolean } | undefined;
    const local = (e: MouseEvent) => {
      const box = canvas.getBoundingClientRect();
      return [e.clientX - box.left, e.clientY - box.top] as const;
    };
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const [cx, cy] = local(e);
      this.zoom(Math.exp(-e.deltaY / 300), cx, cy);
      this.draw(this.show);
    }, { passive: false });
    canvas.addEventListener("dblclick", (e) => {
      const [cx, cy] = local(e);
      this.zoom(2, cx, cy);
      this.draw(this.show);
    });
    canvas.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: false };
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener("pointerup", (e) => {
      const tap = drag && !drag.moved;
      drag = undefined;
      if (tap) this.#hover(...local(e));
    });
    canvas.addEventListener("pointermove", (e) => {
      if (drag && (e.buttons & 1)) {
        const dx = e.clientX - drag.x;
        const dy = e.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
        if (drag.moved) {
          this.#view = { ...this.#view, x: this.#view.x + dx, y: this.#view.y + dy };
          drag.x = e.clientX;
          drag.y = e.clientY;
          this.#tooltip.hidden = true;
          this.draw(this.show);
        }
        return;
      }
      if (e.pointerType === "mouse") this.#hover(...local(e));
    });
    canvas.addEventListener("pointerleave", () => {
      this.#hovered = undefined;
      this.#tooltip.hidden = true;
    });
  }

  #hover(sx: number, sy: number): void {
    const found = this.stationAt(sx, sy, this.show);
    if (!found) {
      this.#hovered = undefined;
      this.#tooltip.hidden = true;
      return;
    }
    const changed = this.#hovered?.id !== found.station.id;
    this.#hovered = found.station;
    this.#tooltip.hidden = false;
    this.#tooltip.style.left = `${Math.min(sx + 12, this.#width - 260)}px`;
    this.#tooltip.style.top = `${Math.min(sy + 12, this.#height - 120)}px`;
    if (changed) this.onHover(found.station);
  }
}
