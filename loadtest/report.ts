/**
 * A load test's report for people: the lines `evsim loadtest` prints at the
 * end (the whole report is `--json`).
 *
 * @module
 */
import type { ActionReport, Latency } from "./recorder.ts";
import type { LoadReport } from "./run.ts";

const n = (x: number) => x.toLocaleString("en-US");
const ms = (x: number) => x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : n(Math.round(x));

/** The latency columns of `l`: p50, p90, p99 and max, ms. */
function latencyCells(l: Latency): string[] {
  return l.count === 0 ? ["–", "–", "–", "–"] : [ms(l.p50), ms(l.p90), ms(l.p99), ms(l.max)];
}

/** A table of `actions`: count, answers, errors, latency. */
export function actionTable(actions: readonly ActionReport[]): string[] {
  const head = [
    "action",
    "calls",
    "results",
    "CALLERRORs",
    "timeouts",
    "lost",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
  ];
  const rows = actions.map((a) => {
    const errors = Object.entries(a.callErrors);
    const total = errors.reduce((s, [, k]) => s + k, 0);
    return [
      a.action,
      n(a.calls),
      n(a.results),
      total === 0 ? "0" : `${n(total)} (${errors.map(([c, k]) => `${c} ${n(k)}`).join(", ")})`,
      n(a.timeouts),
      n(a.lost),
      ...latencyCells(a.latencyMs),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), ...rows.map(line)];
}

/** The report's headline, table of actions, phases and connections. */
export function formatLoadReport(r: LoadReport): string[] {
  const c = r.connections;
  const calls = r.actions.reduce((s, a) => s + a.calls, 0);
  const lines = [
    `load test of ${r.url} (OCPP ${r.version}, seed ${r.seed}) ${
      r.completed ? "finished" : "stopped"
    } in ${(r.durationMs / 1000).toFixed(1)} s: ${n(calls)} calls by ${n(c.joined)} charge points`,
    "",
    ...actionTable(r.actions),
    "",
  ];
  for (const p of r.phases) {
    const phaseCalls = p.actions.reduce((s, a) => s + a.calls, 0);
    const seconds = (p.endMs - p.startMs) / 1000;
    const worst = Math.max(0, ...p.actions.map((a) => a.latencyMs.p99));
    lines.push(
      `phase ${p.index + 1} ${p.kind}: ${seconds.toFixed(1)} s, ${n(phaseCalls)} calls (${
        n(Math.round(phaseCalls / Math.max(seconds, 0.001)))
      }/s), worst p99 ${ms(worst)} ms, simulated ${p.simFrom} to ${p.simTo}`,
    );
  }
  const peak = Math.max(0, ...c.online.map(([, k]) => k));
  lines.push(
    `connections: ${n(c.joined)} joined, ${n(c.booted)} booted (boot ${
      latencyCells(c.bootMs).map((x, i) => `${["p50", "p90", "p99", "max"][i]} ${x}`).join(" ")
    } ms), ${n(c.connects)} connects, ${n(c.reconnects)} reconnects, ${
      n(c.disconnects)
    } drops, at most ${n(peak)} online`,
    `evsim's own event-loop delay: p50 ${ms(r.eventLoopDelay.latencyMs.p50)} p99 ${
      ms(r.eventLoopDelay.latencyMs.p99)
    } max ${ms(r.eventLoopDelay.latencyMs.max)} ms (what it adds to the latency above)`,
    `events: ${n(r.events)} simulated, ${n(r.eventsNotOnline)} of stations not online then; ${
      n(r.chargePoints.abandoned + r.chargePoints.dropped)
    } calls given up, ${n(r.chargePoints.queued)} unsent at the end`,
  );
  return lines;
}
