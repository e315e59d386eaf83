/**
 * Files in memory for the tests of the rotating file sink and of its resume:
 * a {@link RotatingFileDriver} that also tracks what was synced, can fail on
 * demand, and can be "killed" like a process that holds its files open.
 *
 * @module
 */
import type { RotatingFileDriver, RotatingFileHandle } from "./rotating_file.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface MemoryFile {
  bytes: Uint8Array<ArrayBuffer>;
  /** Bytes made durable by the last sync. */
  synced: number;
  /** Handles open on this file. */
  opened: number;
}

/**
 * Files in memory. Like Windows, it refuses to rename or delete an open file,
 * so a sink that rotates without closing first fails here.
 */
export class MemoryDriver implements RotatingFileDriver {
  readonly files = new Map<string, MemoryFile>();
  /** Handles opened and not yet closed. */
  openHandles = 0;
  /** Completed writes. */
  writes = 0;
  /** Completed syncs. */
  syncs = 0;
  /** When set, writes wait for a timer turn, as real I/O does. */
  slow = false;
  /** When set, writes fail with it. */
  failWrites: Error | undefined;
  /** When set, opens fail with it. */
  failOpens: Error | undefined;
  /** Every rename, removal and truncation, as `rename FROM TO`, `remove PATH`, `truncate PATH SIZE`. */
  readonly changes: string[] = [];
  /** When set, renames, removes and truncations fail once this many more have run. */
  changesLeft: number | undefined;
  /** Bumped by {@link kill}: handles from before it are dead. */
  #generation = 0;

  constructor(files: Record<string, string> = {}) {
    for (const [path, text] of Object.entries(files)) {
      const bytes = encoder.encode(text);
      this.files.set(path, { bytes, synced: bytes.length, opened: 0 });
    }
  }

  /** Counts one change against {@link changesLeft}. */
  #change(what: string): void {
    if (this.changesLeft === 0) throw new Error(`${what}: no more changes allowed`);
    if (this.changesLeft !== undefined) this.changesLeft--;
    this.changes.push(what);
  }

  open(path: string): Promise<RotatingFileHandle> {
    if (this.failOpens) return Promise.reject(this.failOpens);
    let file = this.files.get(path);
    if (!file) this.files.set(path, file = { bytes: new Uint8Array(), synced: 0, opened: 0 });
    const f = file;
    f.opened++;
    this.openHandles++;
    const generation = this.#generation;
    let open = true;
    const alive = () => {
      if (!open) throw new Error(`${path}: used after close`);
      if (generation !== this.#generation) throw new Error(`${path}: the process was killed`);
    };
    return Promise.resolve({
      write: async (bytes: Uint8Array) => {
        alive();
        if (this.slow) await new Promise((resolve) => setTimeout(resolve, 0));
        if (this.failWrites) throw this.failWrites;
        const grown = new Uint8Array(f.bytes.length + bytes.length);
        grown.set(f.bytes);
        grown.set(bytes, f.bytes.length);
        f.bytes = grown;
        this.writes++;
      },
      sync: () => {
        alive();
        f.synced = f.bytes.length;
        this.syncs++;
        return Promise.resolve();
      },
      close: () => {
        if (!open) return Promise.reject(new Error(`${path}: closed twice`));
        open = false;
        if (generation === this.#generation) {
          f.opened--;
          this.openHandles--;
        }
        return Promise.resolve();
      },
    });
  }

  /** Ends the process that holds the files: its handles die, what they wrote stays. */
  kill(): void {
    this.#generation++;
    this.openHandles = 0;
    for (const file of this.files.values()) file.opened = 0;
  }

  size(path: string): Promise<number> {
    return Promise.resolve(this.files.get(path)?.bytes.length ?? 0);
  }

  rename(from: string, to: string): Promise<void> {
    const file = this.files.get(from);
    if (!file) return Promise.resolve();
    if (file.opened || this.files.get(to)?.opened) {
      return Promise.reject(new Error(`${from}: busy`));
    }
    this.#change(`rename ${from} ${to}`);
    this.files.set(to, file);
    this.files.delete(from);
    return Promise.resolve();
  }

  remove(path: string): Promise<void> {
    if (this.files.get(path)?.opened) return Promise.reject(new Error(`${path}: busy`));
    if (!this.files.has(path)) return Promise.resolve();
    this.#change(`remove ${path}`);
    this.files.delete(path);
    return Promise.resolve();
  }

  read(path: string, start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
    const file = this.files.get(path);
    if (!file) return Promise.reject(new Error(`${path}: not found`));
    return Promise.resolve(file.bytes.slice(start, end));
  }

  truncate(path: string, size: number): Promise<void> {
    const file = this.files.get(path);
    if (!file) return Promise.reject(new Error(`${path}: not found`));
    this.#change(`truncate ${path} ${size}`);
    file.bytes = file.bytes.slice(0, size);
    file.synced = Math.min(file.synced, size);
    return Promise.resolve();
  }

  /** Appends `text` to `path` without a handle, as a write cut short by a kill leaves it. */
  append(path: string, text: string): void {
    const file = this.files.get(path);
    if (!file) throw new Error(`${path}: not found`);
    const bytes = encoder.encode(text);
    const grown = new Uint8Array(file.bytes.length + bytes.length);
    grown.set(file.bytes);
    grown.set(bytes, file.bytes.length);
    file.bytes = grown;
  }

  /** The names of the files, sorted. */
  names(): string[] {
    return [...this.files.keys()].sort();
  }

  /** The contents of `path`. */
  text(path: string): string {
    const file = this.files.get(path);
    if (!file) throw new Error(`${path} does not exist`);
    return decoder.decode(file.bytes);
  }

  /** Bytes of `path` made durable by a sync. */
  synced(path: string): number {
    return this.files.get(path)?.synced ?? 0;
  }

  /** Every file by name. */
  contents(): Map<string, string> {
    return new Map(this.names().map((name) => [name, this.text(name)]));
  }

  /** The files `path.N` … `path.1`, `path`, oldest first, joined. */
  allText(path: string): string {
    const names = this.names().filter((name) => name.startsWith(`${path}.`));
    const oldestFirst = names.sort((a, b) =>
      Number(b.slice(path.length + 1)) - Number(a.slice(path.length + 1))
    );
    return [...oldestFirst, path].map((name) => this.files.has(name) ? this.text(name) : "")
      .join("");
  }
}
