/**
 * `evsim init` as a library: a starter project (a config, its JSON Schema
 * and a plugin template) written to a folder, never over existing files.
 *
 * @module
 */
import { CONFIG_TEMPLATE, PLUGIN_TEMPLATE } from "../data/init_templates.ts";
import { configJsonSchema } from "../sinks/registry.ts";

/** What {@link writeStarterFiles} did. */
export interface StarterFiles {
  /** The files written. */
  written: string[];
  /** The files that were already there: when any is, nothing is written. */
  existing: string[];
}

/** Writes `config.json`, `config.schema.json` and `my_plugin.ts` to `dir` (created if missing). */
export async function writeStarterFiles(dir = "."): Promise<StarterFiles> {
  const files: Record<string, string> = {
    "config.json": CONFIG_TEMPLATE,
    "config.schema.json": JSON.stringify(configJsonSchema(), null, 2) + "\n",
    "my_plugin.ts": PLUGIN_TEMPLATE,
  };
  const paths = Object.keys(files).map((name) => `${dir}/${name}`);
  const existing = [];
  for (const path of paths) {
    try {
      await Deno.lstat(path);
      existing.push(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  if (existing.length > 0) return { written: [], existing };
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return { written: paths, existing };
}
