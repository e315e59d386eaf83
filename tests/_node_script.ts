/**
 * A Node script of the tests (a TLS server that asks for client
 * certificates, which Deno's cannot yet) as a child process that prints one
 * JSON line per thing it does, among them `{"type": "listening", "port"}`
 * once it listens.
 *
 * @module
 */

/** A running script: its port, every line it printed so far, a way to stop it. */
export interface NodeScript extends AsyncDisposable {
  port: number;
  lines: Record<string, unknown>[];
}

/** Runs `tests/SCRIPT` under Node with `args`; resolves once it listens (or rejects after 10 s). */
export async function startNodeScript(script: string, args: string[]): Promise<NodeScript> {
  const child = new Deno.Command(Deno.env.get("EVSIM_NODE") ?? "node", {
    args: [new URL(script, import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: Record<string, unknown>[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += value;
      const parts = text.split("\n");
      text = parts.pop()!;
      for (const p of parts) lines.push(JSON.parse(p));
    }
  })();
  for (let i = 0; !lines.some((l) => l.type === "listening"); i++) {
    if (i > 500) {
      child.kill();
      throw new Error(`${script} did not start listening`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port: lines.find((l) => l.type === "listening")!.port as number,
    lines,
    async [Symbol.asyncDispose]() {
      child.kill();
      await child.status;
      await reading.catch(() => {});
    },
  };
}
