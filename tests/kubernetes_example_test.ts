/**
 * The Kubernetes example (`examples/kubernetes/`): each manifest is a
 * consistent Indexed Job, and each pod's command (the image's entry point with
 * the Job's arguments) runs evsim on its own shard the way the pod would: the
 * completion index substituted, the ConfigMap and the volume mapped to
 * temporary folders, the HTTP endpoint replaced by a local receiver, and the
 * simulated span cut to one hour.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { shardOf } from "../core/shard.ts";
import { bundleEvsim } from "./_bundle.ts";
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
}

interface Volume {
  name: string;
  configMap?: { name: string };
  persistentVolumeClaim?: { claimName: string };
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

const FILES = ["job.yaml", "job-http.yaml"];

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
      const [container] = pod.containers;
      const args = container.args ?? [];
      for (const arg of args) assert.equal(typeof arg, "string", `argument ${arg} is not a string`);
      const strings = args as string[];

      const shard = /^\$\(JOB_COMPLETION_INDEX\)\/(\d+)$/.exec(flagValue(strings, "--shard"));
      assert.ok(shard, "--shard is not $(JOB_COMPLETION_INDEX)/N");
      const n = Number(shard[1]);
      assert.ok(n > 1);
      assert.equal(spec.completions, n);
      assert.equal(spec.parallelism, n);
      assert.match(flagValue(strings, "--seed"), /^\d+$/);

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

      // Each writable volume is the shard's own folder; every volume exists.
      const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
      for (const c of [...(pod.initContainers ?? []), container]) {
        assert.equal(c.image, container.image);
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
  run(container: Container): Promise<{ code: number; stderr: string }>;
}

/**
 * Pod `index` of a Job, emulated: volumes as folders under `root` (a claim's
 * folder shared by all pods, with the mount's subPathExpr below it; the
 * ConfigMaps' files in the pod's own folder, as each pod mounts them), the
 * container paths in args, config and shell commands mapped to them, `deno`
 * and the bundle path of the entry point to this machine's.
 */
async function pod(
  docs: Manifest[],
  index: number,
  root: string,
  options: { bundle: string; httpUrl?: string },
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

  // The ConfigMaps' files, their paths mapped, and the HTTP endpoint replaced.
  const mainTable = mounts(podSpec.containers[0]);
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
        (_, value) =>
          typeof value === "string"
            ? /^https?:\/\//.test(value) && options.httpUrl
              ? options.httpUrl
              : toHost(value, mainTable)
            : value,
      );
      await Deno.writeTextFile(`${dir}/${name}`, JSON.stringify(json, null, 2));
    }
  }

  return {
    host: (mountPath) => mainTable.find(([path]) => path === mountPath)![1],
    async run(container) {
      const env = environment(container, index);
      const table = mounts(container);
      for (const [, host] of table) await Deno.mkdir(host, { recursive: true });
      const command = (container.command as string[] | undefined) ??
        entrypoint.map((arg) => arg === "deno" ? Deno.execPath() : arg)
          .map((arg) => arg === bundlePath ? options.bundle : arg);
      const args = (container.args as string[] | undefined ?? [])
        .map((arg) => toHost(expand(arg, env), table));
      const [program, ...rest] = command.map((arg) => toHost(expand(arg, env), table));
      const cwd = `${root}/pod-${index}/work-${container.name}`;
      await Deno.mkdir(cwd, { recursive: true });
      const { code, stderr } = await new Deno.Command(program, {
        args: [...rest, ...(container.command ? args : oneHour(args))],
        cwd,
        env: { ...env, NO_COLOR: "1" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      return { code, stderr: decode(stderr) };
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
