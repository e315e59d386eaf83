/**
 * `evsim schema` as a library: the JSON Schemas of evsim's formats, generated
 * from the same valibot schemas that validate them.
 *
 * @module
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import { EventSchema } from "../core/event.ts";
import { configJsonSchema, type SinkTypes } from "../sinks/registry.ts";

/**
 * The JSON Schema of an event, or of `config.json` (its `sinks` entries
 * described by `types`, the built-in sink types by default).
 */
export function jsonSchema(which: "event" | "config", types?: SinkTypes): Record<string, unknown> {
  return which === "config"
    ? configJsonSchema(types)
    : toJsonSchema(EventSchema, { errorMode: "ignore" }) as Record<string, unknown>;
}
