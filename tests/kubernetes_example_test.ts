/**
 * The Kubernetes example (`examples/kubernetes/`): each manifest is a
 * consistent Indexed Job, and each pod's command (the image's entry point with
 * the Job's arguments) runs evsim on its own shard the way the pod would: the
 * completion index substituted, the ConfigMap and the volumes mapped to
 * temporary folders, the HTTP endpoint replaced by a local receiver, and the
 * simulated span cut to one hour. The load test's pods run against a real
 * `evsim csms` with the phases cut short, and their reports (their logs) merge
 * into the report of the whole test.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { shardOf } from "../core/shard.ts";
import type { LoadReport } from "../loadtest/run.ts";
import { parseScenario } from "../loadtest/scenario.ts";
import { bundleEvsim } from "./_bundle.ts";
import { startCsmsProcess } from "./_csms_process.ts";
import { decode, inTempDir } from "./_evsim.ts";

const EXAMPLE = new URL("../examples/kubernetes/", import.meta.url);
const INDEX_ANNOTATION = "metadata.annotations['batch.kubernetes.io/job-completion-index']";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string };
  };
}

interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  subPathExpr?: string;
  readOnly?: boolean;
}

interface Container {
  name: string;
  image: string;
  command?: unknown[];
  args?: unknown[];
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

interface Volume {
  name: string;
  configMap?: { name: string };
  persistentVolumeClaim?: { claimName: string };
  emptyDir?: Record<string, unknown>;
}

interface PodSpec {
  restartPolicy?: string;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}

interface JobSpec {
  completionMode?: string;
  completions?: number;
  parallelism?: number;
  template: { spec: PodSpec };
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: unknown;
}

/** The documents of a manifest file of the example. */
async function manifests(file: string): Promise<Manifest[]> {
  const text = await Deno.readTextFile(new URL(file, EXAMPLE));
  return parseAllDocuments(text).map((doc) => {
    assert.deepEqual(doc.errors, [], `${file}: ${doc.errors.join("; ")}`);
    return doc.toJS() as Manifest;
  });
}

/** The one Job of a manifest file. */
function jobOf(docs: Manifest[]): { name: string; spec: JobSpec } {
  const jobs = docs.filter((doc) => doc.kind === "Job");
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0].apiVersion, "batch/v1");
  return { name: jobs[0].metadata.name, spec: jobs[0].spec as JobSpec };
}

/** `$(NAME)` references expanded from `env`, as Kubernetes does in args and subPathExpr. */
function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\((\w+)\)/g, (_, name: string) => {
    assert.ok(name in env, `$(${name}) is not a declared environment variable`);
    return env[name];
  });
}

/** The container's environment for completion index `index`. */
function environment(container: Container, index: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const { fieldRef, secretKeyRef } = variable.valueFrom ?? {};
    if (fieldRef) {
      assert.equal(fieldRef.fieldPath, INDEX_ANNOTATION, variable.name);
      env[variable.name] = String(index);
    } else if (secretKeyRef) {
      env[variable.name] = `secret-${secretKeyRef.name}-${secretKeyRef.key}`;
    } else {
      env[variable.name] = String(variable.value);
    }
  }
  return env;
}

/** The value after `flag` in `args` (asserting it occurs once). */
function flagValue(args: string[], flag: string): string {
  const at = args.flatMap((arg, i) => (arg === flag ? [i] : []));
  assert.equal(at.length, 1, `${flag} given ${at.length} times`);
  return args[at[0] + 1];
}

/** The image's entry point and the path the Dockerfile copies the bundle to. */
async function imageEntrypoint(): Promise<{ entrypoint: string[]; bundlePath: string }> {
  const dockerfile = await Deno.readTextFile(new URL("Dockerfile", EXAMPLE));
  const lines = dockerfile.split("\n");
  const entrypoint = JSON.parse(
    lines.findLast((line) => line.startsWith("ENTRYPOINT "))!.slice("ENTRYPOINT ".length),
  ) as string[];
  const copied = lines.findLast((line) => /^COPY --from=build \S+evsim\.js /.test(line));
  assert.ok(copied, "the Dockerfile copies no bundle");
  return { entrypoint, bundlePath: copied.split(/\s+/).at(-1)! };
}

const FILES = ["job.yaml", "job-http.yaml", "loadtest.yaml"];

/** What a container runs of evsim: the words after the entry point, and where its stdout goes. */
interface EvsimRun {
  words: string[];
  stdout?: string;
}

/**
 * What `container` runs of evsim: the image's entry point with its `args`, or
 * a `sh -c` script that runs that same entry point (`exec ENTRYPOINT WORDS [> FILE]`);
 * undefined for anything else.
 */
function evsimRun(container: Container, entrypoint: readonly string[]): EvsimRun | undefined {
  if (container.command === undefined) {
    for (const arg of container.args ?? []) {
      assert.equal(typeof arg, "string", `${container.name}: argument ${arg} is not a string`);
    }
    return { words: (container.args ?? []) as string[] };
  }
  const [shell, flag, script, ...rest] = container.command;
  const prefix = `exec ${entrypoint.join(" ")} `;
  if (shell !== "sh" || flag !== "-c" || typeof script !== "string") return undefined;
  if (!script.startsWith(prefix)) return undefined;
  assert.deepEqual(rest, [], `${container.name}: arguments after the script`);
  assert.equal(container.args, undefined, `${container.name}: args beside the script`);
  const words = script.slice(prefix.length).trim().split(/\s+/);
  const to = words.indexOf(">");
  if (to < 0) return { words };
  assert.equal(to, words.length - 2, `${container.name}: expected "> FILE" at the end`);
  return { words: words.slice(0, to), stdout: words[to + 1] };
}

/** The one container of a pod that runs an evsim shard (`--shard`), init containers included. */
function shardContainer(
  pod: PodSpec,
  entrypoint: readonly string[],
): { container: Container; run: EvsimRun } {
  const found = [...(pod.initContainers ?? []), ...pod.containers].flatMap((container) => {
    const run = evsimRun(container, entrypoint);
    return run?.words.includes("--shard") ? [{ container, run }] : [];
  });
  assert.equal(found.length, 1, `${found.length} containers run a shard`);
  return found[0];
}

/**
 * The Secrets there are, each with its keys: those of the manifest, and those
 * the example's README creates (`kubectl create secret generic NAME --from-literal=KEY=…`).
 */
async function secrets(docs: Manifest[]): Promise<Map<string, Set<string>>> {
  const found = new Map<string, Set<string>>();
  for (const doc of docs.filter((d) => d.kind === "Secret")) {
    found.set(doc.metadata.name, new Set(Object.keys({ ...doc.data, ...doc.stringData })));
  }
  const readme = await Deno.readTextFile(new URL("README.md", EXAMPLE));
  for (const [, name, flags] of readme.matchAll(/kubectl create secret generic (\S+)([^\n]*)/g)) {
    const keys = [...flags.matchAll(/--from-(?:literal|file)=([^=\s]+)=/g)].map((m) => m[1]);
    found.set(name, new Set([...found.get(name) ?? [], ...keys]));
  }
  return found;
}

/** The text of the ConfigMap file that `path` is in `container`, through its mounts. */
function configMapFile(docs: Manifest[], pod: PodSpec, container: Container, path: string) {
  const mount = (container.volumeMounts ?? []).find((m) => path.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `${path} is on no volume of ${container.name}`);
  const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
  assert.ok(volume?.configMap, `${path} is not in a ConfigMap`);
  const configMap = docs.find((d) =>
    d.kind === "ConfigMap" && d.metadata.name === volume.configMap!.name
  );
  const text = configMap?.data?.[path.slice(mount.mountPath.length + 1)];
  assert.ok(text !== undefined, `${path}: no such key in ConfigMap ${volume.configMap.name}`);
  return text;
}

/** The charge points a load-test scenario brings online at most (its ramps' `to`, `chargePoints`). */
function chargePointsOf(scenario: { chargePoints?: number; phases: object[] }): number {
  const ramps = scenario.phases.flatMap((p) => "ramp" in p ? [(p.ramp as { to: number }).to] : []);
  const most = Math.max(scenario.chargePoints ?? 0, ...ramps);
  assert.ok(most > 0, "the scenario names no number of charge points");
  return most;
}

Deno.test("examples/kubernetes: each Job is Indexed, one pod per shard, one seed", async (t) => {
  const { entrypoint, bundlePath } = await imageEntrypoint();
  await t.step("the image runs the bundle with evsim's permissions, not -A", () => {
    assert.deepEqual(entrypoint.slice(0, 2), ["deno", "run"]);
    assert.equal(entrypoint.at(-1), bundlePath);
    for (const flag of ["--allow-read", "--allow-write", "--allow-env", "--allow-net"]) {
      assert.ok(entrypoint.includes(flag), flag);
    }
    const granted = entrypoint.filter((arg) => /^(-A|--allow-all|--allow-|-[A-Z]$)/.test(arg));
    assert.deepEqual(granted.sort(), [
      "--allow-env",
      "--allow-net",
      "--allow-read",
      "--allow-write",
    ]);
  });
  for (const file of FILES) {
    await t.step(file, async () => {
      const docs = await manifests(file);
      const { spec } = jobOf(docs);
      assert.equal(spec.completionMode, "Indexed");
      const pod = spec.template.spec;
      // A retry is a new pod, so that init containers run again.
      assert.equal(pod.restartPolicy, "Never");
      assert.equal(pod.containers.length, 1);
      const { container, run } = shardContainer(pod, entrypoint);
      const strings = run.words;

      const shard = /^\$\(JOB_COMPLETION_INDEX\)\/(\d+)$/.exec(flagValue(strings, "--shard"));
      assert.ok(shard, "--shard is not $(JOB_COMPLETION_INDEX)/N");
      const n = Number(shard[1]);
      assert.ok(n > 1);
      assert.equal(spec.completions, n);
      assert.equal(spec.parallelism, n);
      if (strings[0] === "loadtest") {
        // One scenario, with its seed: every shard makes the same choices.
        const text = configMapFile(docs, pod, container, strings[1]);
        const scenario = parseScenario(JSON.parse(text), `${file}: ${strings[1]}`);
        assert.equal(typeof scenario.seed, "number", "the scenario has no seed");
        // The password's variable is declared, from a Secret.
        const { passwordEnv } = scenario.ocpp;
        if (passwordEnv !== undefined) {
          const variable = container.env?.find((e) => e.name === passwordEnv);
          assert.ok(variable?.valueFrom?.secretKeyRef, `${passwordEnv} is not from a Secret`);
        }
        // Sized as the README measured: about 1,000 charge points a core.
        assert.ok(chargePointsOf(scenario) / n <= 1_100, `${chargePointsOf(scenario) / n} a pod`);
        assert.equal(container.resources?.requests?.cpu, "1");
        assert.equal(container.resources?.limits?.cpu, undefined, "a CPU limit throttles");
        // The report goes to a pod-local file that the main container prints as the pod's log.
        assert.ok(run.stdout, "the report goes nowhere");
        const [main] = pod.containers;
        assert.notEqual(main, container);
        assert.deepEqual(main.command, ["cat", run.stdout]);
        const volumeOf = (c: Container) =>
          c.volumeMounts?.find((m) => run.stdout!.startsWith(`${m.mountPath}/`));
        assert.ok(volumeOf(container) && !volumeOf(container)!.readOnly);
        assert.deepEqual(
          { ...volumeOf(main), readOnly: undefined },
          { ...volumeOf(container), readOnly: undefined },
        );
        const reports = pod.volumes?.find((v) => v.name === volumeOf(main)!.name);
        assert.ok(reports?.emptyDir, "the report is not on the pod's own volume");
      } else {
        assert.match(flagValue(strings, "--seed"), /^\d+$/);
      }

      // Every shard runs the same command but for its index: one seed, one span.
      const perIndex = Array.from({ length: n }, (_, i) => {
        const env = environment(container, i);
        assert.equal(env.JOB_COMPLETION_INDEX, String(i));
        return strings.map((arg) => expand(arg, env));
      });
      for (const [i, expanded] of perIndex.entries()) {
        assert.equal(flagValue(expanded, "--shard"), `${i}/${n}`);
        const others = (a: string[]) => a.filter((arg) => !/^\d+\/\d+$/.test(arg));
        assert.deepEqual(others(expanded), others(perIndex[0]));
      }

      // Each writable volume is the shard's own folder; every volume and Secret exists.
      const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
      const known = await secrets(docs);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        assert.equal(c.image, container.image);
        for (const { name, valueFrom } of c.env ?? []) {
          const ref = valueFrom?.secretKeyRef;
          if (!ref) continue;
          assert.ok(known.get(ref.name)?.has(ref.key), `${name}: no Secret ${ref.name}/${ref.key}`);
        }
        for (const mount of c.volumeMounts ?? []) {
          const volume = volumes.get(mount.name);
          assert.ok(volume, `no volume ${mount.name}`);
          if (volume.configMap) {
            assert.ok(mount.readOnly);
            assert.ok(
              docs.some((d) =>
                d.kind === "ConfigMap" && d.metadata.name === volume.configMap!.name
              ),
              `no ConfigMap ${volume.configMap.name} in ${file}`,
            );
          } else if (volume.emptyDir) {
            // The pod's own: no other shard sees it.
          } else {
            assert.match(mount.subPathExpr ?? "", /\$\(JOB_COMPLETION_INDEX\)/, mount.mountPath);
            const claim = volume.persistentVolumeClaim?.claimName;
            assert.ok(
              docs.some((d) => d.kind === "PersistentVolumeClaim" && d.metadata.name === claim),
              `no PersistentVolumeClaim ${claim} in ${file}`,
            );
            const folders = new Set(
              Array.from({ length: n }, (_, i) => expand(mount.subPathExpr!, environment(c, i))),
            );
            assert.equal(folders.size, n, `${mount.mountPath}: shards share a folder`);
          }
        }
      }
    });
  }
});

/** What a local stand-in for the HTTP endpoint received. */
interface Received {
  events: { stationId: string }[];
  authorizations: Set<string>;
}

/** A local receiver for the HTTP variant, on a free loopback port. */
function receiver(): { url: string; received: Received; server: Deno.HttpServer } {
  const received: Received = { events: [], authorizations: new Set() };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    received.authorizations.add(req.headers.get("authorization") ?? "");
    const lines = (await req.text()).split("\n").filter(Boolean);
    for (const line of lines) received.events.push(JSON.parse(line));
    return Response.json({ accepted: lines.length, duplicates: 0 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/events`, received, server };
}

/** `args` with the simulated span cut to one hour from the same start. */
function oneHour(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--to" || args[i] === "--duration") i++;
    else out.push(args[i]);
  }
  return [...out, "--duration", "1h"];
}

interface Pod {
  /** The folder standing for the pod's volume mounted at `mountPath`. */
  host(mountPath: string): string;
  /** Runs a container's command to the end. */
  run(container: Container): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** What {@link pod} changes of the Job for this machine. */
interface PodOptions {
  /** The bundle standing for the image's. */
  bundle: string;
  /** The local endpoint for every http(s) URL of the ConfigMaps. */
  httpUrl?: string;
  /** The local central system (`ws://127.0.0.1:PORT`) for every ws(s) URL, its path kept. */
  ocppUrl?: string;
  /** A ConfigMap's JSON file, changed (paths and URLs already mapped). */
  rewrite?: (name: string, json: unknown) => unknown;
}

/** `word` quoted for `sh`. */
const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * Pod `index` of a Job, emulated: volumes as folders under `root` (a claim's
 * folder shared by all pods, with the mount's subPathExpr below it; the
 * ConfigMaps' files and the emptyDir volumes in the pod's own folder, as each
 * pod has them), the container paths in args, config and shell commands
 * mapped to them, `deno` and the bundle path of the entry point (also where a
 * shell script runs it) to this machine's.
 */
async function pod(
  docs: Manifest[],
  index: number,
  root: string,
  options: PodOptions,
): Promise<Pod> {
  const { spec } = jobOf(docs);
  const podSpec = spec.template.spec;
  const { entrypoint, bundlePath } = await imageEntrypoint();
  const volumes = new Map((podSpec.volumes ?? []).map((v) => [v.name, v]));

  function mounts(container: Container): [string, string][] {
    const env = environment(container, index);
    return (container.volumeMounts ?? []).map((mount) => {
      const volume = volumes.get(mount.name)!;
      const base = volume.configMap
        ? `${root}/pod-${index}/configmap-${volume.configMap.name}`
        : volume.emptyDir
        ? `${root}/pod-${index}/emptydir-${volume.name}`
        : `${root}/claim-${volume.persistentVolumeClaim!.claimName}`;
      const sub = mount.subPathExpr ? expand(mount.subPathExpr, env) : (mount.subPath ?? "");
      return [mount.mountPath, sub ? `${base}/${sub}` : base];
    });
  }

  /** Container paths in `text` mapped to their folders. */
  function toHost(text: string, table: [string, string][]): string {
    for (const [mountPath, host] of table) {
      if (text === mountPath) return host;
      text = text.replaceAll(`${mountPath}/`, `${host}/`);
    }
    return text;
  }

  // The ConfigMaps' files, their paths mapped, and the endpoints replaced.
  const mainTable = [...(podSpec.initContainers ?? []), ...podSpec.containers].flatMap(mounts);
  const url = (value: string) =>
    /^https?:\/\//.test(value) && options.httpUrl
      ? options.httpUrl
      : /^wss?:\/\//.test(value) && options.ocppUrl
      ? options.ocppUrl + new URL(value).pathname
      : undefined;
  for (const volume of volumes.values()) {
    if (!volume.configMap) continue;
    const configMap = docs.find((d) =>
      d.kind === "ConfigMap" && d.metadata.name === volume.configMap!.name
    )!;
    const dir = `${root}/pod-${index}/configmap-${volume.configMap.name}`;
    await Deno.mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(configMap.data ?? {})) {
      const json = JSON.parse(
        text,
        (_, value) => typeof value === "string" ? url(value) ?? toHost(value, mainTable) : value,
      );
      const changed = options.rewrite?.(name, json) ?? json;
      await Deno.writeTextFile(`${dir}/${name}`, JSON.stringify(changed, null, 2));
    }
  }

  return {
    host: (mountPath) => mainTable.find(([path]) => path === mountPath)![1],
    async run(container) {
      const env = environment(container, index);
      const table = mounts(container);
      for (const [, host] of table) await Deno.mkdir(host, { recursive: true });
      const local = entrypoint.map((arg) => arg === "deno" ? Deno.execPath() : arg)
        .map((arg) => arg === bundlePath ? options.bundle : arg);
      const command = (container.command as string[] | undefined) ?? local;
      const args = (container.args as string[] | undefined ?? [])
        .map((arg) => toHost(expand(arg, env), table));
      const [program, ...rest] = command
        .map((arg) => toHost(expand(arg, env), table))
        .map((arg) =>
          arg.replace(`exec ${entrypoint.join(" ")} `, () => `exec ${local.map(quote).join(" ")} `)
        );
      const cwd = `${root}/pod-${index}/work-${container.name}`;
      await Deno.mkdir(cwd, { recursive: true });
      const { code, stdout, stderr } = await new Deno.Command(program, {
        args: [...rest, ...(container.command ? args : oneHour(args))],
        cwd,
        env: { ...env, NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code, stdout: decode(stdout), stderr: decode(stderr) };
    },
  };
}

/** The NDJSON events of a file. */
async function eventsIn(path: string): Promise<{ stationId: string }[]> {
  const text = await Deno.readTextFile(path);
  return text.trimEnd().split("\n").map((line) => JSON.parse(line));
}

Deno.test("examples/kubernetes: each pod's command runs evsim on its own shard", async (t) => {
  await inTempDir(async (root) => {
    const bundle = await bundleEvsim(root);

    await t.step(
      "job.yaml: shards 0 and 7 write their own files; a retry starts clean",
      async () => {
        const docs = await manifests("job.yaml");
        const { spec } = jobOf(docs);
        const n = spec.completions!;
        await Promise.all([0, n - 1].map(async (index) => {
          const p = await pod(docs, index, `${root}/job`, { bundle });
          // A failed attempt's partial output, which the init container clears.
          const out = p.host("/out");
          await Deno.mkdir(out, { recursive: true });
          await Deno.writeTextFile(`${out}/sessions.ndjson`, "partial\n");
          await Deno.writeTextFile(`${out}/sessions.ndjson.1`, "partial\n");
          for (const init of spec.template.spec.initContainers ?? []) {
            const { code, stderr } = await p.run(init);
            assert.equal(code, 0, stderr);
          }
          const names = [];
          for await (const entry of Deno.readDir(out)) names.push(entry.name);
          assert.deepEqual(names, []);

          const { code, stderr } = await p.run(spec.template.spec.containers[0]);
          assert.equal(code, 0, stderr);
          assert.match(stderr, new RegExp(`Shard ${index}/${n}: \\d+ of 101340 chargers`));
          assert.match(stderr, /seed 2026/);
          const events = await eventsIn(`${out}/sessions.ndjson`);
          assert.ok(events.length > 1_000, `only ${events.length} events`);
          for (const event of events) {
            assert.equal(shardOf(event.stationId, n), index);
          }
          assert.match(await Deno.readTextFile(`${out}/evsim.log`), /Shard \d+\/\d+/);
          // The shards' folders are apart on the shared volume.
          assert.ok(out.endsWith(`/claim-evsim-output/shard-${index}`), out);
        }));
      },
    );

    await t.step("job-http.yaml: shard 3 posts its events with the Secret's token", async () => {
      const docs = await manifests("job-http.yaml");
      const { spec } = jobOf(docs);
      const n = spec.completions!;
      const { url, received, server } = receiver();
      try {
        const p = await pod(docs, 3, `${root}/http`, { bundle, httpUrl: url });
        const { code, stderr } = await p.run(spec.template.spec.containers[0]);
        assert.equal(code, 0, stderr);
        assert.match(stderr, new RegExp(`Shard 3/${n}: \\d+ of 101340 chargers`));
        assert.ok(received.events.length > 1_000, `only ${received.events.length} events`);
        for (const event of received.events) {
          assert.equal(shardOf(event.stationId, n), 3);
        }
        assert.deepEqual([...received.authorizations], ["Bearer secret-evsim-ingest-token"]);
        const deadLetters = await Deno.readTextFile(`${p.host("/out")}/dead-letter.ndjson`)
          .catch(() => "");
        assert.equal(deadLetters, "");
      } finally {
        await server.shutdown();
      }
    });
  });
});

/**
 * A scenario (as JSON) cut short for a test: every phase lasts a second (a
 * storm's returns come within half of one), and its counts of charge points
 * are scaled so that it brings `total` online at most.
 */
function cutShort(json: unknown, total: number): unknown {
  const scenario = json as { chargePoints?: number; phases: Record<string, object>[] };
  const scale = total / chargePointsOf(scenario);
  const count = (k: number) => Math.round(k * scale);
  return {
    ...scenario,
    ...(scenario.chargePoints === undefined ? {} : { chargePoints: count(scenario.chargePoints) }),
    phases: scenario.phases.map((phase) => {
      const [[kind, body]] = Object.entries(phase);
      const cut: Record<string, unknown> = { ...body };
      for (const key of ["over", "for"]) if (key in cut) cut[key] = "1s";
      if ("within" in cut) cut.within = "500ms";
      if (kind === "ramp") {
        cut.from = count(cut.from as number);
        cut.to = count(cut.to as number);
      }
      return { [kind]: cut };
    }),
  };
}

Deno.test("examples/kubernetes: loadtest.yaml's pods load-test a central system; their logs merge into the whole test", async () => {
  await inTempDir(async (root) => {
    const bundle = await bundleEvsim(root);
    const { entrypoint, bundlePath } = await imageEntrypoint();
    const docs = await manifests("loadtest.yaml");
    const { spec } = jobOf(docs);
    const n = spec.completions!;
    const scenario = JSON.parse(
      docs.find((d) => d.kind === "ConfigMap")!.data!["scenario.json"],
    ) as { phases: object[] };
    // About 10 charge points a shard, for the N shards the Job runs.
    const total = 10 * n;
    const csms = await startCsmsProcess(root);
    const logs = `${root}/logs`;
    await Deno.mkdir(logs);
    let stopped;
    try {
      // Every pod at once, as the Job starts them: the load test, then the pod's log.
      const pods = await Promise.allSettled(Array.from({ length: n }, async (_, index) => {
        const p = await pod(docs, index, root, {
          bundle,
          ocppUrl: csms.url,
          rewrite: (name, json) => name === "scenario.json" ? cutShort(json, total) : json,
        });
        for (const init of spec.template.spec.initContainers ?? []) {
          const { code, stderr } = await p.run(init);
          assert.equal(code, 0, stderr);
          const k = scenario.phases.length;
          assert.match(stderr, new RegExp(`phase ${k} of ${k}: `));
        }
        const { code, stdout, stderr } = await p.run(spec.template.spec.containers[0]);
        assert.equal(code, 0, stderr);
        // As `kubectl logs pod/evsim-loadtest-3-abcde > evsim-loadtest-3-abcde.json` writes it.
        await Deno.writeTextFile(`${logs}/evsim-loadtest-${index}-abcde.json`, stdout);
        return JSON.parse(stdout) as LoadReport;
      }));
      const failed = pods.find((p) => p.status === "rejected");
      if (failed) throw failed.reason;
      const shards = pods.map((p) => (p as PromiseFulfilledResult<LoadReport>).value);
      stopped = await csms.stop();
      assert.equal(stopped.code, 0, stopped.stderr);

      // Each shard ran its own charge points, and every one booted.
      for (const [index, report] of shards.entries()) {
        assert.equal(report.completed, true);
        assert.ok(report.connections.joined > 0, `shard ${index} joined none`);
        assert.equal(report.connections.booted, report.connections.joined);
        for (const id of report.phases[0].chargePoints) assert.equal(shardOf(id, n), index);
      }

      // The README's merge, on the logs.
      const readme = await Deno.readTextFile(new URL("README.md", EXAMPLE));
      const merge = /^evsim loadtest merge .+$/m.exec(readme)?.[0];
      assert.ok(merge, "the README merges no reports");
      assert.equal(entrypoint.at(-1), bundlePath);
      const evsim = [Deno.execPath(), ...entrypoint.slice(1, -1), bundle].map(quote).join(" ");
      const out = await new Deno.Command("sh", {
        args: ["-c", `${merge.replace(/^evsim /, `${evsim} `)} --json`],
        cwd: logs,
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, decode(out.stderr));
      const merged = JSON.parse(decode(out.stdout)) as LoadReport;
      const html = /--html (\S+)/.exec(merge)?.[1];
      if (html) assert.match(await Deno.readTextFile(`${logs}/${html}`), /<svg/);

      // The whole test: every shard's charge points, each booted once at the central system.
      assert.equal(merged.completed, true);
      assert.deepEqual(merged.phases.map((p) => p.kind), scenario.phases.map(Object.keys).flat());
      assert.equal(merged.connections.joined, total);
      assert.equal(merged.connections.booted, total);
      assert.equal(
        merged.connections.booted,
        shards.reduce((sum, s) => sum + s.connections.booted, 0),
      );
      const ids = merged.phases[0].chargePoints; // those the ramp brought online
      assert.equal(new Set(ids).size, total);
      const seen = stopped.summary.chargePoints;
      assert.deepEqual(seen.map((c) => c.identity).sort(), [...ids].sort());
      assert.equal(seen.reduce((sum, c) => sum + c.boots, 0), total);
      assert.ok(seen.every((c) => c.boots === 1));
      // The storm took its share of them, chosen alike by every shard; each came back once.
      const at = scenario.phases.findIndex((p) => "reconnectStorm" in p);
      const share = (scenario.phases[at] as { reconnectStorm: { share?: number } })
        .reconnectStorm.share ?? 1;
      assert.equal(merged.phases[at].chargePoints.length, share * total);
      assert.equal(merged.connections.reconnects, share * total);
      assert.equal(seen.reduce((sum, c) => sum + c.connections, 0), total + share * total);
      assert.equal(stopped.summary.calls.BootNotification, total);
      assert.deepEqual(stopped.summary.violations, []);
    } finally {
      stopped ??= await csms.stop();
    }
  });
});
