/**
 * `evsim csms` as its own process, for the command-line tests and the
 * benchmarks: started on a free port, stopped with Ctrl-C, its summary read.
 *
 * @module
 */
import type { CsmsSummary } from "../app/csms.ts";
import { evsimCommand } from "./_evsim.ts";

/** `evsim csms --port 0 --json` in `cwd`, once it listens: its URL, and a way to stop it. */
export async function startCsmsProcess(cwd: string, extra: string[] = []) {
  const child = evsimCommand(["csms", "--port", "0", "--json", ...extra], cwd).spawn();
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`evsim csms ended before listening:\n${text}`);
    text += value;
    url = /listening on (wss?:\/\/\S+)/.exec(text)?.[1];
  }
  while (extra.includes("--control-port") && !/control at/.test(text)) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`evsim csms ended before its control port:\n${text}`);
    text += value;
  }
  const control = /control at (http:\/\/\S+)/.exec(text)?.[1];
  const rest = (async () => {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) return text;
      text += value;
    }
  })();
  const stdout = new Response(child.stdout).text();
  return {
    url,
    control,
    /** Ctrl-C, then its exit code, stderr and summary. */
    async stop(): Promise<{ code: number; stderr: string; summary: CsmsSummary }> {
      child.kill("SIGINT");
      const [status, stderr, out] = await Promise.all([child.status, rest, stdout]);
      return { code: status.code, stderr, summary: JSON.parse(out) };
    },
  };
}
