/** Log capture for tests. */
import { configure, type LogRecord, reset } from "@logtape/logtape";

/** Captures every `evsim` log record, debug and up, while `fn` runs. */
export async function withLogs<T>(fn: (records: LogRecord[]) => Promise<T>): Promise<T> {
  const records: LogRecord[] = [];
  await configure({
    sinks: { mem: (record) => records.push(record) },
    loggers: [
      { category: ["evsim"], sinks: ["mem"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
  });
  try {
    return await fn(records);
  } finally {
    await reset();
  }
}
