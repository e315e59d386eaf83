/**
 * Charging physics. Power depends on state of charge (SoC), SoC on the energy
 * delivered: `dSoC/dt = 100 · P(SoC) / capacity`. The power curve is piecewise
 * linear in SoC, so each piece has a closed-form solution and energy is the exact
 * integral of power, whatever the update interval.
 *
 * @module
 */

/** A point of a DC charging curve: power (kW) the vehicle accepts at a SoC (%). */
export type CurvePoint = readonly [socPercent: number, powerKw: number];

/** One piece of the curve: `P(s) = a + b·s` for `s` in [s0, s1]. */
interface Piece {
  s0: number;
  s1: number;
  a: number;
  b: number;
  /** Seconds to charge from SoC 0 to `s0`. */
  t0: number;
}

/** Percent of SoC per second per kW, for a battery of `capacityKwh`. */
function rate(capacityKwh: number): number {
  return 100 / (3600 * capacityKwh);
}

/** Seconds for one piece to go from `from` to `to` (both inside the piece). */
function pieceSeconds(p: Piece, from: number, to: number, c: number): number {
  const u = p.a + p.b * from;
  if (p.b === 0) return (to - from) / (c * u);
  // log1p keeps nearly flat pieces exact.
  return Math.log1p(p.b * (to - from) / u) / (c * p.b);
}

/** SoC reached after `seconds` in one piece, starting at `from`. */
function pieceSoc(p: Piece, from: number, seconds: number, c: number): number {
  const u = p.a + p.b * from;
  if (p.b === 0) return from + c * u * seconds;
  return from + u * Math.expm1(c * p.b * seconds) / p.b;
}

/**
 * The power a vehicle draws on a charger as a function of SoC, with the time
 * and energy to move between any two SoC values.
 *
 * Power is `min(limitKw, curve(SoC))`, where `limitKw` is the smaller of the
 * charger's rating and the vehicle's AC or DC limit. A flat curve (AC charging)
 * is a single piece.
 */
export class ChargeCurve {
  readonly capacityKwh: number;
  readonly limitKw: number;
  readonly #pieces: Piece[];
  readonly #c: number;

  /**
   * @param capacityKwh usable battery capacity, > 0
   * @param limitKw power cap (charger rating and vehicle limit), > 0
   * @param points the vehicle's curve, SoC ascending from 0 to 100 with powers > 0;
   *   omit it for a flat curve (AC)
   */
  constructor(capacityKwh: number, limitKw: number, points?: readonly CurvePoint[]) {
    if (!(capacityKwh > 0)) throw new RangeError(`capacityKwh must be > 0, got ${capacityKwh}`);
    if (!(limitKw > 0)) throw new RangeError(`limitKw must be > 0, got ${limitKw}`);
    this.capacityKwh = capacityKwh;
    this.limitKw = limitKw;
    this.#c = rate(capacityKwh);
    this.#pieces = [];
    const pts = points ?? [[0, limitKw], [100, limitKw]];
    for (let i = 0; i + 1 < pts.length; i++) {
      const [s0, p0] = pts[i];
      const [s1, p1] = pts[i + 1];
      if (s1 <= s0) continue;
      // Split the segment where it crosses the cap, then clip it.
      const cuts = [s0, s1];
      if ((p0 - limitKw) * (p1 - limitKw) < 0) {
        cuts.splice(1, 0, s0 + (limitKw - p0) * (s1 - s0) / (p1 - p0));
      }
      const slope = (p1 - p0) / (s1 - s0);
      for (let j = 0; j + 1 < cuts.length; j++) {
        const mid = (cuts[j] + cuts[j + 1]) / 2;
        const capped = p0 + slope * (mid - s0) >= limitKw;
        this.#push(cuts[j], cuts[j + 1], capped ? limitKw : p0 - slope * s0, capped ? 0 : slope);
      }
    }
  }

  #push(s0: number, s1: number, a: number, b: number) {
    const prev = this.#pieces.at(-1);
    const t0 = prev ? prev.t0 + pieceSeconds(prev, prev.s0, prev.s1, this.#c) : 0;
    if (a + b * s0 <= 0 || a + b * s1 <= 0) {
      throw new RangeError(`charging curve power must be > 0 between ${s0} % and ${s1} %`);
    }
    this.#pieces.push({ s0, s1, a, b, t0 });
  }

  /** Index of the piece holding `soc` (binary search). */
  #index(soc: number): number {
    const pieces = this.#pieces;
    let lo = 0;
    let hi = pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (pieces[mid].s0 <= soc) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Power (kW) drawn at `soc` percent. */
  powerAt(soc: number): number {
    const p = this.#pieces[this.#index(soc)];
    return p.a + p.b * soc;
  }

  /** Seconds to charge from SoC 0 to `soc` (a monotone clock along the curve). */
  secondsTo(soc: number): number {
    const p = this.#pieces[this.#index(soc)];
    return p.t0 + pieceSeconds(p, p.s0, soc, this.#c);
  }

  /** Seconds to charge from `from` to `to` percent. */
  secondsBetween(from: number, to: number): number {
    return this.secondsTo(to) - this.secondsTo(from);
  }

  /** SoC (%) reached after charging `seconds` from `from` percent, at most 100. */
  socAfter(from: number, seconds: number): number {
    return this.socAtClock(from, this.secondsTo(from) + seconds);
  }

  /**
   * {@link socAfter} from `from` percent, with the clock `target` given:
   * `secondsTo(from)` plus the seconds charged, so that a caller charging on
   * from one state of charge works out `secondsTo` of it once.
   */
  socAtClock(from: number, target: number): number {
    const pieces = this.#pieces;
    let i = this.#index(from);
    let p = pieces[i];
    while (i + 1 < pieces.length && pieces[i + 1].t0 <= target) p = pieces[++i];
    const soc = pieceSoc(p, p.s0, target - p.t0, this.#c);
    return Math.min(Math.max(soc, from), p.s1, 100);
  }

  /** Energy (kWh) stored between two SoC values. */
  energyBetween(from: number, to: number): number {
    return (to - from) * this.capacityKwh / 100;
  }
}
