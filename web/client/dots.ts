/**
 * The map's dots as pixels: a disc per station written straight into an RGBA
 * buffer (an `ImageData`'s), its edge anti-aliased, so that thousands of dots
 * cost one `putImageData` and no canvas call each.
 *
 * @module
 */

/**
 * A dot's pixels around its centre: each row's run of pixels it covers whole
 * (`rows`: dy, first dx, last dx), then its anti-aliased edge (`dx`, `dy`)
 * with how much of each pixel it covers, in 256ths (`cover`).
 */
export interface Disc {
  reach: number;
  rows: Int16Array;
  dx: Int16Array;
  dy: Int16Array;
  cover: Uint16Array;
}

const discs = new Map<number, Disc>();

/** The disc of radius `r` device pixels (to the quarter pixel), its edge anti-aliased 4×4. */
export function discOf(r: number): Disc {
  const radius = Math.round(r * 4) / 4;
  let disc = discs.get(radius);
  if (disc) return disc;
  const reach = Math.ceil(radius);
  const rows: number[] = [];
  const edge: [number, number, number][] = [];
  for (let j = -reach; j <= reach; j++) {
    let first = Infinity;
    let last = -Infinity;
    for (let i = -reach; i <= reach; i++) {
      let inside = 0;
      for (let a = 0; a < 4; a++) {
        for (let b = 0; b < 4; b++) {
          const u = i + (a + 0.5) / 4 - 0.5;
          const v = j + (b + 0.5) / 4 - 0.5;
          if (u * u + v * v <= radius * radius) inside++;
        }
      }
      if (inside === 16) {
        first = Math.min(first, i);
        last = Math.max(last, i);
      } else if (inside > 0) edge.push([i, j, inside * 16]);
    }
    // A disc's whole pixels in a row are one run.
    if (first <= last) rows.push(j, first, last);
  }
  disc = {
    reach,
    rows: Int16Array.from(rows),
    dx: Int16Array.from(edge, (p) => p[0]),
    dy: Int16Array.from(edge, (p) => p[1]),
    cover: Uint16Array.from(edge, (p) => p[2]),
  };
  discs.set(radius, disc);
  return disc;
}

/** Whether a `Uint32Array` reads an RGBA pixel's bytes from the last (red is its low byte). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** `rgb` as one opaque RGBA pixel, as a `Uint32Array` over the pixels holds it. */
export function packed([r, g, b]: number[]): number {
  return LITTLE_ENDIAN
    ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0
    : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/**
 * Paints `disc` in `rgb` over the RGBA `pixels` (`width` × `height`, and the
 * same as `words`, one pixel each) at (`cx`, `cy`).
 */
export function stamp(
  pixels: Uint8ClampedArray,
  words: Uint32Array,
  width: number,
  height: number,
  cx: number,
  cy: number,
  disc: Disc,
  rgb: number[],
  word: number,
): void {
  const { reach, rows, dx, dy, cover } = disc;
  if (cx + reach < 0 || cy + reach < 0 || cx - reach >= width || cy - reach >= height) return;
  for (let n = 0; n < rows.length; n += 3) {
    const py = cy + rows[n];
    if (py < 0 || py >= height) continue;
    const line = py * width;
    const last = line + Math.min(cx + rows[n + 2], width - 1);
    for (let at = line + Math.max(cx + rows[n + 1], 0); at <= last; at++) words[at] = word;
  }
  for (let n = 0; n < cover.length; n++) {
    const px = cx + dx[n];
    const py = cy + dy[n];
    if (px < 0 || py < 0 || px >= width || py >= height) continue;
    const at = py * width + px;
    // "Source over" with straight (not premultiplied) alpha, as ImageData holds it: over an
    // opaque pixel (the outline) or a clear one (outside it) in integers, else in full.
    const a = cover[n];
    const i = at * 4;
    const da = pixels[i + 3];
    if (da === 255) {
      const rest = 256 - a;
      pixels[i] = (rgb[0] * a + pixels[i] * rest) >> 8;
      pixels[i + 1] = (rgb[1] * a + pixels[i + 1] * rest) >> 8;
      pixels[i + 2] = (rgb[2] * a + pixels[i + 2] * rest) >> 8;
    } else if (da === 0) {
      pixels[i] = rgb[0];
      pixels[i + 1] = rgb[1];
      pixels[i + 2] = rgb[2];
      pixels[i + 3] = a;
    } else {
      const below = (da * (256 - a)) >> 8;
      const out = a + below;
      pixels[i] = (rgb[0] * a + pixels[i] * below) / out;
      pixels[i + 1] = (rgb[1] * a + pixels[i + 1] * below) / out;
      pixels[i + 2] = (rgb[2] * a + pixels[i + 2] * below) / out;
      pixels[i + 3] = out;
    }
  }
}
