/**
 * `evsim schema` as a library: the JSON Schemas of evsim's formats, generated
 * from the same valibot schemas that validate them.
 *
 * @module
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import { EventSchema } from "../core/event.ts";
import { ScenarioSchema } from "../loadtest/scenario.ts";
import { configJsonSchema, type SinkTypes } from "../sinks/registry.ts";

/**
 * The JSON Schema of an event, of `config.json` (its `sinks` entries
 * described by `types`, the built-in sink types by default), or of a
 * load-test scenario.
 */
export function jsonSchema(
  which: "event" | "config" | "loadtest",
  types?: SinkTypes,
): Record<string, unknown> {
  if (which === "config") return configJsonSchema(types);
  const schema = which === "event" ? EventSchema : ScenarioSchema;
  return toJsonSchema(schema, { errorMode: "ignore" }) as Record<string, unknown>;
}
