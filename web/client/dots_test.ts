import assert from "node:assert/strict";
import fc from "fast-check";
import { discOf, packed, stamp } from "./dots.ts";

const RED = [200, 30, 10];

/** A `width` × `height` RGBA buffer of one colour and alpha, and its pixels as words. */
function canvas(width: number, height: number, rgba: number[]) {
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < pixels.length; i += 4) pixels.set(rgba, i);
  return { pixels, words: new Uint32Array(pixels.buffer), width, height };
}

const pixel = (
  c: ReturnType<typeof canvas>,
  x: number,
  y: number,
) => [...c.pixels.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 4)];

Deno.test("discOf() covers about π r² pixels, whole inside and partly at the edge", () => {
  for (const r of [2.5, 3.8, 5.1, 9, 13.5]) {
    const disc = discOf(r);
    let area = 0;
    for (let n = 0; n < disc.rows.length; n += 3) area += disc.rows[n + 2] - disc.rows[n + 1] + 1;
    for (const c of disc.cover) {
      assert.ok(c > 0 && c < 256, `an edge pixel covers ${c}/256`);
      area += c / 256;
    }
    // The radius is taken to the quarter pixel.
    const quarter = Math.round(r * 4) / 4;
    const expected = Math.PI * quarter * quarter;
    assert.ok(Math.abs(area - expected) < expected * 0.03, `r ${r}: area ${area}`);
    assert.equal(disc.reach, Math.ceil(quarter));
  }
});

Deno.test("stamp() paints the disc's colour inside, blends its edge, and leaves the rest", () => {
  const c = canvas(40, 30, [100, 100, 100, 255]);
  const disc = discOf(6);
  stamp(c.pixels, c.words, c.width, c.height, 20, 15, disc, RED, packed(RED));
  assert.deepEqual(pixel(c, 20, 15), [...RED, 255]);
  assert.deepEqual(pixel(c, 23, 15), [...RED, 255]);
  assert.deepEqual(pixel(c, 2, 2), [100, 100, 100, 255]);
  assert.deepEqual(pixel(c, 20, 15 + 8), [100, 100, 100, 255]);
  // The edge is between the two colours, and stays opaque over an opaque background.
  const [r, g, b, a] = pixel(c, 26, 15);
  assert.ok(r > 100 && r < 200 && g < 100 && g > 30 && b < 100 && b > 10, `${[r, g, b]}`);
  assert.equal(a, 255);
});

Deno.test("stamp() over a clear background leaves the edge partly transparent", () => {
  const c = canvas(20, 20, [0, 0, 0, 0]);
  stamp(c.pixels, c.words, 20, 20, 10, 10, discOf(4), RED, packed(RED));
  assert.deepEqual(pixel(c, 10, 10), [...RED, 255]);
  const edge = pixel(c, 14, 10);
  assert.deepEqual(edge.slice(0, 3), RED);
  assert.ok(edge[3] > 0 && edge[3] < 255, `alpha ${edge[3]}`);
});

Deno.test("stamp() writes only within its reach of the centre, and only on the canvas", () => {
  fc.assert(fc.property(
    fc.integer({ min: -15, max: 45 }),
    fc.integer({ min: -15, max: 35 }),
    fc.double({ min: 1, max: 12, noNaN: true }),
    (cx, cy, r) => {
      const c = canvas(30, 20, [50, 60, 70, 255]);
      const disc = discOf(r);
      stamp(c.pixels, c.words, c.width, c.height, cx, cy, disc, RED, packed(RED));
      for (let y = 0; y < c.height; y++) {
        for (let x = 0; x < c.width; x++) {
          const near = Math.abs(x - cx) <= disc.reach && Math.abs(y - cy) <= disc.reach;
          if (!near) assert.deepEqual(pixel(c, x, y), [50, 60, 70, 255], `${x},${y}`);
        }
      }
      if (cx >= 0 && cy >= 0 && cx < c.width && cy < c.height) {
        assert.deepEqual(pixel(c, cx, cy), [...RED, 255]);
      }
    },
  ));
});
