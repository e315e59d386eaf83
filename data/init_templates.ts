/**
 * The files `evsim init` writes: a starter config and a commented plugin.
 *
 * @module
 */

/** `config.json`: the main sections, with the plugin template wired in. */
export const CONFIG_TEMPLATE = `{
  "$schema": "./config.schema.json",
  "seed": 1,
  "time": { "mode": "backfill", "start": "2026-01-05", "duration": "1d" },
  "updateIntervalSeconds": 60,
  "peakHours": [{ "from": 7, "to": 10 }, { "from": 16, "to": 20 }],
  "peakMultiplier": 2,
  "sinks": [{ "type": "stdout" }],
  "plugins": [
    { "module": "./my_plugin.ts", "options": { "chargers": 12 } }
  ],
  "log": { "file": "charging_sessions.log", "level": "info" }
}
`;

/** `my_plugin.ts`: a working plugin that adds a city and its chargers. */
export const PLUGIN_TEMPLATE = `// An evsim plugin. evsim loads it from config.json:
//   "plugins": [{ "module": "./my_plugin.ts", "options": { "chargers": 12 } }]
// Plugins run in order after the built-in model. Each hook receives what the
// plugins before it produced and returns the new value: return the input plus
// your own to extend it, or only your own to replace it. Everything you return
// is validated; a mistake stops the run before any event, naming this plugin.
// The built-in model is itself a plugin: see plugins/default_model.ts in evsim.
import * as v from "npm:valibot@^1.5.0";

export default {
  // Names the plugin in every message about it.
  name: "my_plugin",

  // Validates this plugin's "options" from config.json (a valibot schema).
  options: v.object({
    chargers: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 10),
  }),

  // Cities: add Springfield, IL to the 50 built-in cities.
  cities: ({ cities }) => [
    ...cities,
    {
      name: "Springfield",
      state: "IL",
      country: "US",
      latitude: 39.7817,
      longitude: -89.6501,
      population: 114394,
      timeZone: "America/Chicago",
    },
  ],

  // Chargers: called with the final city list. Add a few around Springfield.
  chargers: ({ chargers, options }) => [
    ...chargers,
    ...Array.from({ length: options.chargers }, (_, i) => ({
      id: \`IL-SPR-\${String(i + 1).padStart(4, "0")}\`,
      name: i % 4 === 0 ? "Capitol Fast Charge" : "Downtown Garage",
      city: "Springfield",
      state: "IL",
      latitude: 39.7817 + (i % 5) * 0.004,
      longitude: -89.6501 + Math.floor(i / 5) * 0.004,
      level: i % 4 === 0 ? "DCFC" : "L2",
      powerKw: i % 4 === 0 ? 150 : 7.2,
    })),
  ],

  // Vehicles: return the catalog with your own models added, e.g.
  // vehicles: ({ vehicles }) => [...vehicles, { name: "My Van", batteryKwh: 80,
  //   maxAcKw: 11, maxDcKw: 120, dcCurve: [[0, 100], [80, 60], [100, 10]], share: 2 }],

  // Model parameters (data/model.json in evsim), e.g. busier DC fast chargers:
  // model: ({ model }) => ({ ...model, sessionsPerChargerPerDay: { ...model.sessionsPerChargerPerDay, DCFC: 8 } }),

  // Demand: each charger's sessions per day and a 24-hour (or 168-hour) profile:
  // demand: ({ demand }) => (charger, city) => {
  //   const base = demand(charger, city);
  //   return city.name === "Springfield" ? { ...base, perDay: base.perDay * 2 } : base;
  // },

  // Sink types: "sinks": [{ "type": "my_sink", ... }] in config.json, e.g.
  // sinks: {
  //   my_sink: {
  //     schema: v.object({ prefix: v.optional(v.string(), "") }),
  //     create: (options) => Object.assign((event) => { /* deliver event */ }, {
  //       [Symbol.asyncDispose]: async () => { /* flush and close */ },
  //     }),
  //   },
  // },
};
`;
