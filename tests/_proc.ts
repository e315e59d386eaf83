/**
 * Helpers of the benchmark scripts: CPU time and memory of another process,
 * from Linux's /proc (Deno grants /proc/<pid>/ only with --allow-all, so the
 * files are read through `cat`, with --allow-run), and the national-scale
 * network's config.
 *
 * @module
 */

/** What /proc says about a process at one moment. */
export interface ProcSample {
  /** CPU seconds in user and kernel mode so far, all threads. */
  cpuSeconds: number;
  /** Resident set now, in kB (VmRSS). */
  rssKb: number;
  /** Peak resident set so far, in kB (VmHWM). */
  hwmKb: number;
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second, the unit of /proc/<pid>/stat's times. */
async function clockTicks(): Promise<number> {
  if (ticksPerSecond === undefined) {
    const { stdout } = await new Deno.Command("getconf", { args: ["CLK_TCK"], stderr: "null" })
      .output().catch(() => ({ stdout: new Uint8Array() }));
    ticksPerSecond = Number(new TextDecoder().decode(stdout).trim()) || 100;
  }
  return ticksPerSecond;
}

/** A sample of process `pid`, or undefined once it has gone. */
export async function sampleProc(pid: number): Promise<ProcSample | undefined> {
  const ticks = await clockTicks();
  const { code, stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`, `/proc/${pid}/status`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  if (code !== 0) return undefined;
  const text = new TextDecoder().decode(stdout);
  // The command name, in parentheses, may hold spaces: count fields after it.
  const fields = text.slice(text.indexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the name.
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticks;
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return { cpuSeconds, rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
}

/** The load averages over 1, 5 and 15 minutes, as /proc/loadavg gives them. */
export async function loadAverage(): Promise<string> {
  const { stdout } = await new Deno.Command("cat", { args: ["/proc/loadavg"], stderr: "null" })
    .output();
  return new TextDecoder().decode(stdout).split(" ").slice(0, 3).join(" ");
}

/**
 * Writes `config.json` in `dir` for a national-scale network: the embedded
 * cities with `perHundredThousand` chargers per 100,000 inhabitants
 * (`population_chargers`), and no log file.
 */
export async function writeNationalConfig(dir: string, perHundredThousand: number): Promise<void> {
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({
      plugins: [{ module: "population_chargers", options: { perHundredThousand } }],
      log: { file: null },
    }),
  );
}
