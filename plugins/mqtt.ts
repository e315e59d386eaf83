/**
 * The `mqtt` plugin, kept for configs that list it: the `mqtt` sink type is
 * built in (`sinks/mqtt.ts`), and this plugin registers the same type.
 *
 * @module
 */
import { definePlugin } from "../core/plugin.ts";
import { mqttSinkType } from "../sinks/mqtt.ts";

export default definePlugin({ name: "mqtt", sinks: { mqtt: mqttSinkType } });
