/**
 * Writes `data/chargers.json` from `data/cities.json`: `deno task data`.
 * Deterministic: running it again gives the same file.
 *
 * @module
 */
import { generateChargers } from "../plugins/population_chargers.ts";
import cities from "./cities.json" with { type: "json" };

const chargers = generateChargers(cities);
const lines = chargers.map((c) => "  " + JSON.stringify(c));
await Deno.writeTextFile(
  new URL("./chargers.json", import.meta.url),
  `[\n${lines.join(",\n")}\n]\n`,
);
