/**
 * Clock-aligned samples (1.6 `ClockAlignedDataInterval`, 2.0.1
 * `AlignedDataCtrlr.Interval`): one per interval boundary a transaction
 * crosses, context `Sample.Clock`, valid by the schemas.
 */
import assert from "node:assert/strict";
import { buildAll, simulate } from "../tests/_ocpp.ts";
import { step16 } from "./messages_16.ts";
import { step201 } from "./messages_201.ts";
import { schemaCheck } from "./rpc_transport.ts";
import { DEFAULT_SETTINGS } from "./settings.ts";
import type { Payload } from "./transport.ts";

const { stations, events } = simulate({ stations: 40, hours: 24 });
const EVERY = 900;

for (const [version, step] of [["1.6", step16], ["2.0.1", step201]] as const) {
  Deno.test(`${version}: a clock-aligned sample per ${EVERY} s boundary a transaction crosses`, () => {
    const settings = { ...DEFAULT_SETTINGS, alignedIntervalSec: EVERY };
    const built = buildAll(stations, events, step, settings);
    const check = schemaCheck(version);
    let aligned = 0;
    for (const { calls } of built.values()) {
      const seen = new Map<string, number>(); // per transaction: the last boundary sampled
      for (const call of calls) {
        assert.equal(check(call.action, "req", call.payload), undefined);
        const payload = call.payload;
        const values = (payload.meterValue ?? []) as {
          timestamp: string;
          sampledValue: Payload[];
        }[];
        for (const mv of values) {
          if (mv.sampledValue[0].context !== "Sample.Clock") continue;
          aligned++;
          const key = call.session ?? String((payload.transactionInfo as Payload)?.transactionId);
          const boundary = Math.floor(Date.parse(mv.timestamp) / (EVERY * 1000));
          assert.ok(boundary > (seen.get(key) ?? -Infinity), "one per boundary");
          seen.set(key, boundary);
        }
      }
    }
    assert.ok(aligned > 20, `${aligned} clock-aligned samples`);
    const none = buildAll(stations, events, step, DEFAULT_SETTINGS);
    const count = [...none.values()].flatMap((b) =>
      b.calls
    ).filter((c) => JSON.stringify(c.payload).includes("Sample.Clock")).length;
    assert.equal(count, 0, "none unless configured");
  });
}
