/**
 * Charge points in the state file: a run with `--ocpp` and `--state` stopped
 * halfway and resumed gives the central system the transactions of the run
 * that was never stopped, to the Wh, with nothing lost or sent twice.
 */
import assert from "node:assert/strict";
import * as v from "valibot";
import { prepareRun, runPrepared } from "../app/run.ts";
import { readStateFile } from "../app/state_file.ts";
import { ConfigSchema } from "../core/config.ts";
import { planRun } from "../core/plan.ts";
import { type Csms, startCsms } from "../ocpp/csms.ts";
import type { OcppVersion } from "../ocpp/transport.ts";
import { inTempDir } from "./_evsim.ts";

const config = v.parse(ConfigSchema, { region: "Boulder, CO", log: { file: null } });
const plan = planRun(config, { speed: "3600", from: "2026-01-05T15:00:00Z", duration: "3h" }, 0);

/** What the central system saw of each transaction, without its own (1.6) IDs. */
const transactions = (csms: Csms) =>
  csms.transactions().map((t) => ({
    identity: t.identity,
    connector: t.connector,
    idToken: t.idToken,
    startTime: t.startTime,
    meterStartWh: t.meterStartWh,
    stopTime: t.stopTime,
    stopReason: t.stopReason,
    energyWh: t.energyWh,
  })).sort((a, b) =>
    a.startTime.localeCompare(b.startTime) || a.identity.localeCompare(b.identity) ||
    a.connector - b.connector
  );

for (const version of ["1.6", "2.0.1"] as const satisfies OcppVersion[]) {
  Deno.test(`OCPP ${version}: a run stopped and resumed from its state file gives the central system the same transactions`, async () => {
    await inTempDir(async (dir) => {
      const run = async (csms: Csms, state?: string, signal?: AbortSignal) =>
        await runPrepared(
          await prepareRun(config, plan, {
            ocpp: { url: csms.url, version },
            sinks: [`file:${dir}/${state ? "resumed" : "whole"}.ndjson`],
            state: state ? { path: state } : undefined,
          }),
          { signal },
        );

      await using whole = await startCsms();
      assert.equal((await run(whole)).end, "finished");

      await using csms = await startCsms();
      const state = `${dir}/run.state`;
      const stop = new AbortController();
      const first = run(csms, state, stop.signal);
      // Stopped with transactions running.
      await csms.waitFor(
        () => csms.transactions().filter((t) => t.stopReason === undefined).length >= 3,
        20_000,
      );
      stop.abort();
      assert.equal((await first).end, "stopped");
      const saved = await readStateFile(state);
      assert.equal(saved?.ocpp?.version, version);
      const open = saved!.ocpp!.chargePoints.flatMap((cp) => cp.state.ports.filter((p) => p.tx));
      assert.ok(open.length > 0, "transactions open in the state");
      assert.ok(csms.transactions().length < whole.transactions().length, "stopped halfway");

      const second = await run(csms, state);
      assert.equal(second.end, "finished");
      assert.equal(second.ocpp?.unsent, 0);
      assert.deepEqual(csms.violations, []);
      assert.deepEqual(whole.violations, []);
      assert.deepEqual(transactions(csms), transactions(whole));
      // Each charge point booted once per run.
      for (const [identity, s] of csms.stations) assert.equal(s.boots, 2, identity);
      assert.equal(
        await Deno.readTextFile(`${dir}/resumed.ndjson`),
        await Deno.readTextFile(`${dir}/whole.ndjson`),
      );
    });
  });
}
