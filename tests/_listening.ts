/**
 * A server of a benchmark in its own process, as it would run in production:
 * a `deno` command line started and waited for until it prints
 * "listening on URL".
 */

/** A started server: its URL (for events, `…/events`) and how to stop it. */
export interface ListeningServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts `args` (a `deno` command line) in `cwd` and waits for "listening on URL" on `stream`. */
export async function startListening(
  args: string[],
  stream: "stdout" | "stderr",
  cwd: string,
): Promise<ListeningServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdin: "null",
    stdout: stream === "stdout" ? "piped" : "null",
    stderr: stream === "stderr" ? "piped" : "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child[stream].pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening on (\S+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${args.join(" ")} did not start: ${text}`);
    text += value;
  }
  // Keep reading, so that the child never blocks on a full pipe.
  const drained = (async () => {
    while (!(await reader.read()).done);
  })();
  return {
    url: `${/listening on (\S+)/.exec(text)![1].replace(/\/$/, "")}/events`,
    async stop() {
      child.kill("SIGKILL");
      await child.status;
      await drained.catch(() => {});
    },
  };
}
