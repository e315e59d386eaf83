/**
 * The Deno permissions a command needs for its config and flags: reading the
 * config's data files and plugin modules, writing the log, output, dead-letter
 * and state files, the network of the configured endpoints and ports, and the
 * environment variables that hold tokens. The command line checks them before
 * anything runs, and names each missing one with the flag that grants it:
 *
 * ```
 * evsim: missing permission: --allow-net=api.example.com:443 (sinks[0].url)
 * ```
 *
 * The `*Needs` functions only compute; {@link requirePermissions} asks Deno
 * (without ever prompting).
 *
 * @module
 */
import type { Config } from "../core/config.ts";
import { basename, dirname as parentOf, join, resolve } from "node:path";
import { dirname, resolvePath } from "../core/load.ts";
import { shippedPlugins } from "../plugins/mod.ts";
import { type ResolvedSink, sinkAccess } from "../sinks/registry.ts";

/** One kind of access to one thing: a `Deno.PermissionDescriptor`. */
export type Permission =
  | { name: "read"; path: string }
  | { name: "write"; path: string }
  | { name: "net"; host: string }
  | { name: "import"; host: string }
  | { name: "env"; variable?: string };

/** A permission a command needs, and what needs it (`sinks[0].url`). */
export interface Need {
  permission: Permission;
  why: string;
}

/** Default ports of the URL schemes remote plugin modules use. */
const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443" };

/** The flag that grants `permission`: `--allow-net=api.example.com:443`. */
export function permissionFlag(permission: Permission): string {
  switch (permission.name) {
    case "read":
    case "write":
      return `--allow-${permission.name}=${permission.path}`;
    case "net":
      return `--allow-net=${permission.host}`;
    case "import":
      return `--allow-import=${permission.host}`;
    case "env":
      return permission.variable === undefined
        ? "--allow-env"
        : `--allow-env=${permission.variable}`;
  }
}

/** Reading `path`. */
export function readNeed(path: string, why: string): Need {
  return { permission: { name: "read", path }, why };
}

/**
 * Writing `path`, checked where the write will really land: a symbolic link on
 * the way (`out -> /elsewhere`) is followed, so that a link inside a granted
 * folder cannot carry a write outside it (Deno checks the path as written).
 */
export function writeNeed(path: string, why: string): Need {
  const real = realTarget(path);
  return real === undefined
    ? { permission: { name: "write", path }, why }
    : { permission: { name: "write", path: real }, why: `${why}, through a symbolic link` };
}

/**
 * Where `path` leads if a symbolic link is on its way (the real path of its
 * deepest existing ancestor, with the rest appended), else undefined.
 */
export function realTarget(path: string): string | undefined {
  let absolute: string;
  try {
    absolute = resolve(path);
  } catch {
    return undefined; // no access to the working folder: as written
  }
  const rest: string[] = [];
  let existing = absolute;
  while (true) {
    try {
      const target = join(Deno.realPathSync(existing), ...rest);
      return target === absolute ? undefined : target;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) return undefined; // unreadable: as written
      const parent = parentOf(existing);
      if (parent === existing) return undefined;
      rest.unshift(basename(existing));
      existing = parent;
    }
  }
}

/** `host:port` as Deno's net permission writes it (IPv6 addresses in brackets). */
function hostPort(host: string, port: number | string): string {
  const shown = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${shown}:${port}`;
}

/** Listening on (or connecting to) `host`:`port`. */
export function netNeed(host: string, port: number | string, why: string): Need {
  return { permission: { name: "net", host: hostPort(host, port) }, why };
}

/** Reading the environment variable `variable`, or all of them when undefined. */
export function envNeed(variable: string | undefined, why: string): Need {
  return { permission: { name: "env", variable }, why };
}

/**
 * A rotating file: its folder is written (the file, its rotated copies, the
 * folder itself if missing) and the file is read (its size, to know when to rotate).
 */
function rotatingFileNeeds(path: string, why: string): Need[] {
  return [writeNeed(dirname(path), why), readNeed(path, why)];
}

/** The folder that a config's relative data and plugin paths resolve against. */
function baseDirOf(configFile: string | undefined): string {
  return configFile === undefined ? "." : dirname(configFile);
}

/** The file a plugin module specifier names, if it is a local file. */
function moduleFile(module: string, baseDir: string): string | undefined {
  if (Object.hasOwn(shippedPlugins, module)) return undefined;
  if (module.startsWith("file:")) {
    return URL.canParse(module) ? decodeURIComponent(new URL(module).pathname) : undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[A-Za-z]:[\\/]/.test(module)) return undefined;
  return resolvePath(baseDir, module);
}

/** What {@link inputNeeds} needs to know besides the config. */
export interface InputNeedsOptions {
  /** The config file, if any: data and plugin paths resolve against its folder. */
  configFile?: string;
  /** Modules given with `--plugin`. @default {[]} */
  plugins?: readonly string[];
}

/** Loading the network: the config's data files and the plugin modules. */
export function inputNeeds(config: Config, options: InputNeedsOptions = {}): Need[] {
  const baseDir = baseDirOf(options.configFile);
  const needs: Need[] = [];
  for (const [kind, path] of Object.entries(config.data)) {
    if (path !== undefined) needs.push(readNeed(resolvePath(baseDir, path), `data.${kind}`));
  }
  const specs = [
    ...config.plugins.map((p, i) => ({ ...p, where: `plugins[${i}]` })),
    ...(options.plugins ?? []).map((module, i) => ({
      module,
      options: undefined,
      where: `--plugin[${i}]`,
    })),
  ];
  for (const { module, options: pluginOptions, where } of specs) {
    const file = moduleFile(module, baseDir);
    if (file !== undefined) needs.push(readNeed(file, `${where}.module`));
    if (/^https?:\/\//i.test(module) && URL.canParse(module)) {
      // A remote module is fetched with the import permission (Deno 2), not the net one.
      const url = new URL(module);
      needs.push({
        permission: {
          name: "import",
          host: hostPort(url.hostname, url.port || DEFAULT_PORTS[url.protocol]),
        },
        why: `${where}.module`,
      });
    }
    const afdcFile = (pluginOptions as { file?: unknown } | undefined)?.file;
    if (module === "afdc_stations" && typeof afdcFile === "string") {
      needs.push(readNeed(resolvePath(baseDir, afdcFile), `${where}.options.file`));
    }
  }
  return needs;
}

/** Writing the log file, if the config keeps one. */
export function logNeeds(config: Config): Need[] {
  return config.log.file ? rotatingFileNeeds(config.log.file, "log.file") : [];
}

/** Creating the sinks: what each sink's type says it reaches (`SinkType.needs`). */
export function sinkNeeds(sinks: readonly ResolvedSink[]): Need[] {
  return sinkAccess(sinks).flatMap(({ access, where }) => {
    const why = where + (access.option ? `.${access.option}` : "") +
      (access.note ? `: ${access.note}` : "");
    if ("write" in access) return [writeNeed(access.write, why)];
    if ("rotatingFile" in access) return rotatingFileNeeds(access.rotatingFile, why);
    if ("folder" in access) return [readNeed(access.folder, why), writeNeed(access.folder, why)];
    if ("net" in access) return [netNeed(access.net.host, access.net.port, why)];
    return [envNeed(access.env === "*" ? undefined : access.env, why)];
  });
}

/** What {@link runNeeds} needs to know besides the config. */
export interface RunNeedsOptions {
  /** The sinks the run writes to. */
  sinks: readonly ResolvedSink[];
  /** The state file of `--state`. */
  state?: string;
  /** Where `--metrics-port` serves. */
  metrics?: { host: string; port: number };
  /** The central system of `--ocpp` (or the config's `ocpp` block). */
  ocpp?: OcppAccess;
  /** The config file, which `ocpp.caFile` is relative to. */
  configFile?: string;
}

/**
 * `evsim run` and `evsim replay`, once the inputs are loaded (see
 * {@link inputNeeds}): the log, the sinks, the state file, metrics.
 */
export function runNeeds(config: Config, options: RunNeedsOptions): Need[] {
  const { state, metrics } = options;
  return [
    ...logNeeds(config),
    ...sinkNeeds(options.sinks),
    ...(state === undefined ? [] : [
      readNeed(state, "--state"),
      writeNeed(state, "--state"),
      writeNeed(`${state}.tmp`, "--state: its temporary file"),
    ]),
    ...(metrics ? [netNeed(metrics.host, metrics.port, "--metrics-port")] : []),
    ...(options.ocpp ? ocppNeeds(options.ocpp, baseDirOf(options.configFile)) : []),
  ];
}

/** The two variables the WebSocket library under OCPP (`ws`) reads as it loads. */
export function webSocketNeeds(why: string): Need[] {
  return ["WS_NO_BUFFER_UTIL", "WS_NO_UTF_8_VALIDATE"].map((name) => envNeed(name, why));
}

/**
 * `evsim loadtest FILE`: the config's inputs, and the central system of the
 * scenario (its `caFile` relative to the scenario file).
 */
export function loadtestNeeds(
  config: Config,
  scenario: {
    ocpp: OcppAccess;
    trace?: { path: string };
  },
  files: {
    configFile?: string;
    scenarioFile: string;
    metrics?: { host: string; port: number };
    html?: string;
  },
): Need[] {
  const { metrics, html } = files;
  const trace = scenario.trace && resolvePath(baseDirOf(files.scenarioFile), scenario.trace.path);
  return [
    ...inputNeeds(config, { configFile: files.configFile }),
    ...(trace ? rotatingFileNeeds(trace, "trace.path") : []),
    ...(metrics ? [netNeed(metrics.host, metrics.port, "--metrics-port")] : []),
    ...(html === undefined ? [] : [writeNeed(html, "--html")]),
    ...ocppNeeds(scenario.ocpp, baseDirOf(files.scenarioFile)),
  ];
}

/** The OCPP settings permissions look at. */
type OcppAccess = {
  url: string;
  passwordEnv?: string;
  caFile?: string;
  passwordsFile?: string;
  clientCert?: string;
  clientKey?: string;
};

/**
 * The central system's address, the variable holding its password, the
 * WebSocket library's, and the files of certificates and passwords (a
 * per-charge-point pattern's folder).
 */
function ocppNeeds(ocpp: OcppAccess, baseDir: string): Need[] {
  const url = new URL(ocpp.url);
  const port = url.port || (url.protocol === "wss:" ? 443 : 80);
  const file = (path: string | undefined, field: string) =>
    path === undefined ? [] : [readNeed(resolvePath(baseDir, path), `ocpp.${field}`)];
  // The folder of a per-charge-point pattern: its path up to the placeholder.
  const folder = (pattern: string | undefined, field: string) =>
    pattern === undefined ? [] : file(dirname(pattern.split("{stationId}")[0] + "x"), field);
  return [
    netNeed(url.hostname.replace(/^\[|\]$/g, ""), port, "ocpp.url"),
    ...webSocketNeeds("ocpp: its WebSocket library"),
    ...(ocpp.passwordEnv === undefined ? [] : [envNeed(ocpp.passwordEnv, "ocpp.passwordEnv")]),
    ...file(ocpp.caFile, "caFile"),
    ...file(ocpp.passwordsFile, "passwordsFile"),
    ...folder(ocpp.clientCert, "clientCert"),
    ...folder(ocpp.clientKey, "clientKey"),
  ];
}

/** What {@link replayNeeds} needs to know besides the config. */
export interface ReplayNeedsOptions extends RunNeedsOptions {
  /** The file of events to send again; `-` for stdin. */
  file: string;
}

/** `evsim replay FILE`: a run's needs, and reading the file (unless stdin). */
export function replayNeeds(config: Config, options: ReplayNeedsOptions): Need[] {
  return [
    ...(options.file === "-" ? [] : [readNeed(options.file, "replay FILE")]),
    ...runNeeds(config, options),
  ];
}

/** `evsim serve`: the log and the port it listens on. */
export function serveNeeds(config: Config, listen: { host: string; port: number }): Need[] {
  return [...logNeeds(config), netNeed(listen.host, listen.port, "--port")];
}

/** `evsim csms`: what `serve` needs, the control port, and the WebSocket library's variables. */
export function csmsNeeds(
  config: Config,
  listen: { host: string; port: number; controlPort?: number; cert?: string; key?: string },
): Need[] {
  return [
    ...serveNeeds(config, listen),
    ...(listen.cert === undefined ? [] : [readNeed(listen.cert, "--cert")]),
    ...(listen.key === undefined ? [] : [readNeed(listen.key, "--key")]),
    ...(listen.controlPort === undefined
      ? []
      : [netNeed(listen.host, listen.controlPort, "--control-port")]),
    ...webSocketNeeds("csms: its WebSocket library"),
  ];
}

/** `evsim stats FILE --html PAGE`: reading the stream (unless stdin), writing the page. */
export function statsNeeds(file: string, html: string | undefined): Need[] {
  return [
    ...(file === "-" ? [] : [readNeed(file, "stats FILE")]),
    ...(html === undefined ? [] : [writeNeed(html, "--html")]),
  ];
}

/** `evsim init DIR`: looking for existing files in the folder and writing it. */
export function initNeeds(dir: string): Need[] {
  return [readNeed(dir, "init DIR"), writeNeed(dir, "init DIR")];
}

/**
 * One line per missing permission, `missing permission: FLAG (why, …)`, in
 * the order first needed; `granted` says whether Deno grants one.
 */
export function missingPermissions(
  needs: readonly Need[],
  granted: (permission: Permission) => boolean,
): string[] {
  const missing = new Map<string, string[]>();
  for (const { permission, why } of needs) {
    const flag = permissionFlag(permission);
    const whys = missing.get(flag);
    if (whys) {
      if (!whys.includes(why)) whys.push(why);
    } else if (!granted(permission)) {
      missing.set(flag, [why]);
    }
  }
  return [...missing].map(([flag, whys]) =>
    isDenied(flag)
      ? `refused: ${flag.replace("--allow-write=", "")} is denied by --deny-write ` +
        `(deno task sim keeps evsim's own source files read-only; write elsewhere) (${
          whys.join(", ")
        })`
      : `missing permission: ${flag} (${whys.join(", ")})`
  );
}

/** Permissions a command lacks, each line naming the flag that grants it. Exit code 2. */
export class PermissionError extends Error {
  /** One line per missing permission. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(problems.join("\n"), options);
    this.name = "PermissionError";
    this.problems = problems;
  }
}

/** Whether a write flag's path is explicitly denied (`--deny-write`), not merely not granted. */
function isDenied(flag: string): boolean {
  if (!flag.startsWith("--allow-write=")) return false;
  try {
    const path = flag.slice("--allow-write=".length);
    return Deno.permissions.querySync({ name: "write", path }).state === "denied";
  } catch {
    return false;
  }
}

/** Whether Deno grants `permission`, asked without prompting. */
export function isGranted(permission: Permission): boolean {
  return Deno.permissions.querySync(permission).state === "granted";
}

/** Throws a {@link PermissionError} naming every permission of `needs` not granted. */
export function requirePermissions(
  needs: readonly Need[],
  granted: (permission: Permission) => boolean = isGranted,
): void {
  const missing = missingPermissions(needs, granted);
  if (missing.length > 0) throw new PermissionError(missing);
}

/** Deno's message for a denied permission: `Requires net access to "x:443", run again with the --allow-net flag`. */
const DENIED =
  /:?\s*Requires (read|write|net|env|sys|run|ffi|import) access(?: to "([^"]*)")?, run again with the --allow-[a-z]+ flag\.?/;

/**
 * The lines to show for `error` if it is a permission problem: a
 * {@link PermissionError}'s, or for Deno's `NotCapable` error (possibly the
 * cause of the error thrown), `missing permission: FLAG (what was being done)`.
 */
export function permissionProblems(error: unknown): readonly string[] | undefined {
  if (error instanceof PermissionError) return error.problems;
  let denied: unknown = error;
  while (denied instanceof Error && denied.name !== "NotCapable") denied = denied.cause;
  if (!(denied instanceof Error)) return undefined;
  const match = DENIED.exec(denied.message);
  if (!match) return [`missing permission: ${denied.message}`];
  const [, kind, value] = match;
  const flag = value === undefined ? `--allow-${kind}` : `--allow-${kind}=${value}`;
  const outer = error instanceof Error && error !== denied
    ? error.message.replace(DENIED, "").trim()
    : "";
  return [`missing permission: ${flag}${outer ? ` (${outer})` : ""}`];
}
