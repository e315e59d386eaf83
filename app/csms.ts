/**
 * `evsim csms` as a library: its certificate for `wss://` (`--cert`,
 * `--key`), and what a test central system (`ocpp/csms.ts`) received, summed
 * up once it stops, as JSON (`--json`) and as the lines the command line
 * prints.
 *
 * @module
 */
import { ConfigError } from "../core/errors.ts";
import type { Csms, Violation } from "../ocpp/csms.ts";
import type { OcppVersion } from "../ocpp/transport.ts";
import type { Report } from "./run.ts";

/** What a central system received. */
export interface CsmsSummary {
  chargePoints: {
    identity: string;
    version: OcppVersion;
    connections: number;
    boots: number;
    /** Calls received, by action. */
    calls: Record<string, number>;
  }[];
  /** Calls received, by action, from every charge point. */
  calls: Record<string, number>;
  /** Transactions started, and those ended. */
  transactions: { started: number; ended: number; energyWh: number };
  violations: readonly Violation[];
}

/**
 * The certificate and key (PEM files) `evsim csms` serves `wss://` with, or
 * undefined for `ws://`; a file it cannot read, or one that is not PEM, is a
 * {@link ConfigError} naming the flag.
 */
export async function csmsTls(
  files: { cert?: string; key?: string },
): Promise<{ cert: string; key: string } | undefined> {
  if (files.cert === undefined || files.key === undefined) return undefined;
  const read = async (flag: string, path: string, label: RegExp) => {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      throw new ConfigError(`${flag} ${path}: cannot read it: ${(error as Error).message}`);
    }
    if (!label.test(text)) {
      throw new ConfigError(`${flag} ${path}: not a PEM file (${label.source})`);
    }
    return text;
  };
  return {
    cert: await read("--cert", files.cert, /-----BEGIN CERTIFICATE-----/),
    key: await read("--key", files.key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
  };
}

/** What `csms` received and every violation, as of now. */
export function csmsSummary(csms: Csms): CsmsSummary {
  const calls: Record<string, number> = {};
  const chargePoints = [...csms.stations.values()].map((s) => {
    for (const [action, n] of Object.entries(s.calls)) calls[action] = (calls[action] ?? 0) + n;
    return {
      identity: s.identity,
      version: s.version,
      connections: s.connections,
      boots: s.boots,
      calls: { ...s.calls },
    };
  });
  const transactions = csms.transactions();
  const ended = transactions.filter((t) => t.energyWh !== undefined);
  return {
    chargePoints,
    calls,
    transactions: {
      started: transactions.length,
      ended: ended.length,
      energyWh: ended.reduce((sum, t) => sum + t.energyWh!, 0),
    },
    violations: csms.violations,
  };
}

/** How many violations a report lists one by one; the rest are counted. */
const LISTED = 20;

/** The summary as a headline and lines: counts by action, then the violations. */
export function csmsReport(summary: CsmsSummary): Report {
  const n = (x: number) => x.toLocaleString("en-US");
  const total = Object.values(summary.calls).reduce((a, b) => a + b, 0);
  const { started, ended, energyWh } = summary.transactions;
  const byAction = Object.entries(summary.calls).sort(([, a], [, b]) => b - a)
    .map(([action, count]) => `${action} ${n(count)}`).join(", ");
  const { violations } = summary;
  return {
    headline: `central system stopped: ${n(summary.chargePoints.length)} charge points, ` +
      `${n(total)} calls, ${n(violations.length)} violation(s)`,
    lines: [
      ...(byAction ? [byAction] : []),
      `transactions: ${n(started)} started, ${n(ended)} ended, ${
        (energyWh / 1000).toFixed(1)
      } kWh delivered`,
      ...violations.slice(0, LISTED).map((v) =>
        `violation: ${v.identity} ${v.action} (${v.kind}): ${v.message}`
      ),
      ...(violations.length > LISTED
        ? [`… and ${n(violations.length - LISTED)} more (see the log, or --json)`]
        : []),
    ],
  };
}
