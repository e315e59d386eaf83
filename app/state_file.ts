/**
 * The state file of `evsim run --state FILE`: the whole simulation and its
 * plan, written atomically (a temporary file, flushed to disk, renamed over
 * the old one), so that a killed run finds either the previous state or the
 * new one, never half of one.
 *
 * @module
 */
import * as v from "valibot";
import type { DemandModel } from "../core/arrivals.ts";
import { ConfigError, formatIssues } from "../core/errors.ts";
import type { Model } from "../core/model.ts";
import { cityOf, type Network } from "../core/network.ts";
import type { RunPlan } from "../core/plan.ts";
import type { Simulation } from "../core/simulation.ts";
import {
  fingerprint,
  fromTime,
  type SimulationSnapshot,
  SimulationSnapshotSchema,
  toTime,
} from "../core/snapshot.ts";
import { SavedPositionSchema, type SinkPositions } from "../core/sink_type.ts";
import { type SavedOcpp, SavedOcppSchema } from "../ocpp/saved.ts";

/** The version of the state file format this evsim reads and writes. */
export const STATE_VERSION = 1;

/** What a run was asked to do, as saved: Infinity is saved as null. */
const SavedPlanSchema = v.strictObject({
  mode: v.picklist(["realtime", "accelerated", "backfill"]),
  seed: v.number(),
  start: v.number(),
  end: v.nullable(v.number()),
  speed: v.nullable(v.number()),
  updateIntervalSeconds: v.number(),
  warmUpMs: v.number(),
});

/** A state file. */
export const StateFileSchema = v.strictObject({
  format: v.literal("evsim-state"),
  version: v.literal(STATE_VERSION),
  /** Wall-clock time of the save, ISO-8601. */
  savedAt: v.string(),
  /** Digest of the inputs (see `fingerprint()`): a state only resumes the run it came from. */
  fingerprint: v.string(),
  plan: SavedPlanSchema,
  /** The run reached its end: resuming it does nothing. */
  finished: v.boolean(),
  /**
   * Where each file sink stood, once its bytes were durable: a resumed run puts
   * them back there. Absent in states saved by an evsim without it.
   */
  sinkPositions: v.optional(v.array(SavedPositionSchema)),
  /** The charge points of a run with `--ocpp` (see `ocpp/saved.ts`). */
  ocpp: v.optional(SavedOcppSchema),
  simulation: SimulationSnapshotSchema,
});
export type StateFile = v.InferOutput<typeof StateFileSchema>;

/**
 * Reads the state file at `path`; undefined when there is none. A file that
 * is not a valid state file is refused with a {@link ConfigError} saying why,
 * and left as it is.
 */
export async function readStateFile(path: string): Promise<StateFile | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new ConfigError(`${path}: cannot read the state file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const refuse = (why: string) =>
    new ConfigError(
      `${path}: not a state file evsim can resume (${why}); it was left untouched: ` +
        "move it away to start afresh",
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw refuse(`invalid JSON: ${(error as Error).message}`);
  }
  const header = v.safeParse(
    v.object({ format: v.literal("evsim-state"), version: v.number() }),
    value,
  );
  if (!header.success) throw refuse("no evsim-state header");
  if (header.output.version !== STATE_VERSION) {
    throw refuse(`format version ${header.output.version}; this evsim reads ${STATE_VERSION}`);
  }
  const result = v.safeParse(StateFileSchema, value);
  if (!result.success) throw refuse(formatIssues("state", result.issues).slice(0, 3).join("; "));
  return result.output;
}

/**
 * The state file at `path`, if any, checked against the `fingerprint` of this
 * run's inputs: a state written by another run is refused with a
 * {@link ConfigError} and left untouched.
 */
export async function openStateFile(
  path: string,
  fingerprint: string,
): Promise<StateFile | undefined> {
  const saved = await readStateFile(path);
  if (saved && saved.fingerprint !== fingerprint) {
    throw new ConfigError(
      `${path}: this state belongs to another run (seed ${saved.plan.seed}, update interval ` +
        `${saved.plan.updateIntervalSeconds} s, or other config, data, plugins or shard); ` +
        "run with the same options, or move the file away to start afresh",
    );
  }
  return saved;
}

/** Writes `state` to `path` atomically: a temporary file beside it, synced, then renamed. */
export async function writeStateFile(path: string, state: StateFile): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await Deno.open(temporary, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(state));
    for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(temporary, path);
}

/** `plan` as saved in a state file. */
export function savePlan(plan: RunPlan): StateFile["plan"] {
  return {
    mode: plan.mode,
    seed: plan.seed,
    start: plan.start,
    end: toTime(plan.end),
    speed: toTime(plan.speed),
    updateIntervalSeconds: plan.updateIntervalSeconds,
    warmUpMs: plan.warmUpMs,
  };
}

/** The plan a state file saved. */
export function loadPlan(saved: StateFile["plan"]): RunPlan {
  return { ...saved, end: fromTime(saved.end), speed: fromTime(saved.speed) };
}

/**
 * A run's state file, opened: the plan to follow (the saved one when
 * resuming), the simulation to resume, and how to save the next state.
 */
export interface RunState {
  /** The state file. */
  readonly path: string;
  /** The plan to run: the saved plan when the file held a state, else the one given. */
  readonly plan: RunPlan;
  /** The simulation to continue, if the file held one. */
  readonly resume?: SimulationSnapshot;
  /** The charge points to continue, if the file held them. */
  readonly resumeOcpp?: SavedOcpp;
  /** The saved run had reached its end: there is nothing left to do. */
  readonly finished: boolean;
  /**
   * The sinks' positions (file sinks have them, see `sinks/file_resume.ts`):
   * those the resumed state saved, and where each stands now, saved with every state.
   */
  readonly positions: SinkPositions;
  /**
   * Writes the state of `sim` (and of the run's charge points, if any)
   * atomically; `finished` says the run reached its end.
   */
  save(sim: Simulation, finished: boolean, ocpp?: SavedOcpp): Promise<void>;
}

/** The run a state file is opened for: its plan and what it simulates. */
export interface RunStateOptions {
  plan: RunPlan;
  network: Network;
  model: Model;
  demand: DemandModel;
}

/**
 * Opens the state file of a run: a state the file holds is resumed (and must
 * come from the same inputs, see {@link openStateFile}); a missing file starts
 * the run afresh.
 */
export async function openRunState(path: string, run: RunStateOptions): Promise<RunState> {
  const { plan } = run;
  const print = await inputsFingerprint(plan, run.network, run.model, run.demand);
  const saved = await openStateFile(path, print);
  const planned = saved ? loadPlan(saved.plan) : plan;
  const positions: SinkPositions = { saved: saved?.sinkPositions, current: new Map() };
  return {
    positions,
    path,
    plan: planned,
    resume: saved?.simulation,
    resumeOcpp: saved?.ocpp as SavedOcpp | undefined,
    finished: saved?.finished ?? false,
    save: (sim, finished, ocpp) =>
      writeStateFile(path, {
        format: "evsim-state",
        version: STATE_VERSION,
        savedAt: new Date().toISOString(),
        fingerprint: print,
        plan: savePlan(planned),
        finished,
        sinkPositions: [...positions.current.values()],
        // Loosely typed in the schema (a transaction, a profile are taken as written).
        ...(ocpp && { ocpp: ocpp as unknown as StateFile["ocpp"] }),
        simulation: sim.snapshot(),
      }),
  };
}

/**
 * The fingerprint of a run's inputs: seed, update interval, network, model
 * and every charger's demand (its daily rate and profile).
 */
export function inputsFingerprint(
  plan: RunPlan,
  network: Network,
  model: Model,
  demand: DemandModel,
): Promise<string> {
  const find = cityOf(network);
  const profiles = new Map<unknown, number>();
  const demands = network.chargers.map((c) => {
    const { perDay, weights } = demand(c, find(c));
    let id = profiles.get(weights);
    if (id === undefined) profiles.set(weights, id = profiles.size);
    return [perDay, id];
  });
  return fingerprint({
    seed: plan.seed,
    updateIntervalSeconds: plan.updateIntervalSeconds,
    network,
    model,
    demands,
    profiles: [...profiles.keys()].map((w) => Array.from(w as ArrayLike<number>)),
  });
}
