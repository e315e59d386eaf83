/**
 * The one way evsim opens an NDJSON input (`evsim replay FILE`, `evsim stats
 * FILE`): a file, or stdin for `-`, named the same way in every message.
 *
 * @module
 */
import { ConfigError } from "../core/errors.ts";
import { readLines } from "../core/ndjson.ts";

/** An opened input stream and how messages name it. */
export interface InputFile {
  /** The path as given; `-` for stdin. */
  readonly path: string;
  /** How messages name it: the path, or `stdin`. */
  readonly name: string;
  readonly readable: ReadableStream<Uint8Array>;
}

/** Options of {@link openInputFile}. */
export interface OpenInputOptions {
  /** What `-` reads. @default {Deno.stdin.readable} */
  stdin?: ReadableStream<Uint8Array>;
}

/**
 * Opens `path` for reading (`-`: stdin). A file that is missing or cannot be
 * opened is a {@link ConfigError}: `nope.ndjson: file not found`.
 */
export async function openInputFile(
  path: string,
  options: OpenInputOptions = {},
): Promise<InputFile> {
  if (path === "-") {
    return { path, name: "stdin", readable: options.stdin ?? Deno.stdin.readable };
  }
  try {
    return { path, name: path, readable: (await Deno.open(path)).readable };
  } catch (error) {
    throw new ConfigError(
      error instanceof Deno.errors.NotFound ? `${path}: file not found` : `${path}: ${error}`,
      { cause: error },
    );
  }
}

/**
 * The lines of `input` (see `readLines`). A line too long for NDJSON is a
 * {@link ConfigError}, a failed read an `Error`, each naming the input:
 * `events.ndjson: cannot read: Is a directory (os error 21)`.
 */
export async function* inputLines(input: InputFile): AsyncGenerator<string> {
  try {
    yield* readLines(input.readable);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${input.name}: ${error.message}`);
    throw new Error(`${input.name}: cannot read: ${(error as Error).message}`, { cause: error });
  }
}
