/**
 * Loading the station table: parsing `data/stations.json` and expanding it to
 * the chargers of the whole US (about 130,000) and of the default region.
 */
import * as v from "valibot";
import { RatingsSchema } from "./ratings.ts";
import { parseRegion } from "./region.ts";
import { stationChargers, type StationTable } from "./stations.ts";

const read = (path: string) => Deno.readTextFile(new URL(path, import.meta.url));
const text = await read("../data/stations.json");
const table: StationTable = JSON.parse(text);
const ratings = v.parse(RatingsSchema, JSON.parse(await read("../data/networks.json")));
const US = parseRegion("us");

Deno.bench("JSON.parse data/stations.json", { group: "load", baseline: true }, () => {
  JSON.parse(text);
});

Deno.bench("JSON.parse and expand the whole US", { group: "load" }, () => {
  stationChargers(JSON.parse(text), ratings, { region: US });
});

Deno.bench("expand the whole US", { group: "expand", baseline: true }, () => {
  stationChargers(table, ratings, { region: US });
});

Deno.bench("expand the default region (top50)", { group: "expand" }, () => {
  stationChargers(table, ratings);
});

Deno.bench("expand one state (CO)", { group: "expand" }, () => {
  stationChargers(table, ratings, { region: parseRegion("CO") });
});
