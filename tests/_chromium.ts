/**
 * Headless Chromium for tests, driven over the Chrome DevTools Protocol with
 * Deno's own WebSocket: open a page in a new tab, wait for its load event and
 * evaluate an expression in it. Chromium listens on a free loopback port and
 * keeps its profile in a temporary directory, removed when it closes.
 *
 * ```ts
 * await using chromium = await launchChromium();
 * const title = await chromium.evaluate("file:///tmp/report.html", "document.title");
 * await using page = await chromium.open("http://127.0.0.1:8787/");
 * await page.evaluate("document.title");
 * await Deno.writeFile("page.png", await page.screenshot());
 * ```
 *
 * @module
 */

/** A tab that stays open: evaluate in it as often as needed, take screenshots. */
export interface ChromiumPage extends AsyncDisposable {
  /** Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON. */
  evaluate(expression: string): Promise<unknown>;
  /** A PNG of the page's viewport. */
  screenshot(): Promise<Uint8Array>;
  /** Closes the tab (idempotent). */
  close(): Promise<void>;
}

/** A running headless Chromium. */
export interface Chromium extends AsyncDisposable {
  /**
   * Opens `url` in a new tab, waits for its load event, evaluates `expression`
   * there (awaiting it when it is a promise) and returns its value as JSON
   * would carry it. The tab is closed afterwards.
   */
  evaluate(url: string, expression: string): Promise<unknown>;
  /** Opens `url` in a new tab and waits for its load event; close the page when done. */
  open(url: string): Promise<ChromiumPage>;
  /** Closes Chromium and removes its profile directory (idempotent). */
  close(): Promise<void>;
}

/** Options of {@linkcode launchChromium}. */
export interface ChromiumOptions {
  /**
   * The Chromium executable.
   * @default {`EVSIM_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH}
   */
  executable?: string;
  /** How long each step (start, one command, one page load) may take. @default {10000} */
  timeoutMs?: number;
}

const INSTALL_HINT =
  "install it (`sudo apt-get install chromium` on Debian/Ubuntu; `deno task test` installs it when it can) " +
  "or set EVSIM_CHROMIUM to its path";

/** The Chromium executable: `EVSIM_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH; null when none. */
export function findChromium(): string | null {
  const configured = Deno.env.get("EVSIM_CHROMIUM");
  if (configured) return configured;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of ["chromium", "chromium-browser"]) {
      const path = `${dir || "."}/${name}`;
      try {
        if (Deno.statSync(path).isFile) return path;
      } catch {
        // not in this directory
      }
    }
  }
  return null;
}

/** Rejects with "`what` took more than `ms` ms" unless `promise` settles first; leaves no timer behind. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  sessionId?: string;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** A DevTools Protocol connection: numbered commands and their answers, and events. */
class Cdp {
  #socket: WebSocket;
  #closed: Promise<void>;
  #nextId = 1;
  #pending = new Map<number, { resolve: (r: CdpMessage) => void; reject: (e: Error) => void }>();
  #listeners = new Set<(message: CdpMessage) => void>();
  #timeoutMs: number;

  private constructor(socket: WebSocket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    this.#closed = new Promise((resolve) => {
      socket.addEventListener("close", () => {
        for (const { reject } of this.#pending.values()) {
          reject(new Error("the DevTools connection closed"));
        }
        this.#pending.clear();
        resolve();
      });
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as CdpMessage;
      if (message.id !== undefined) {
        this.#pending.get(message.id)?.resolve(message);
        this.#pending.delete(message.id);
      } else {
        for (const listener of this.#listeners) listener(message);
      }
    });
  }

  /** Connects to a DevTools WebSocket URL. */
  static async connect(url: string, timeoutMs: number): Promise<Cdp> {
    const socket = new WebSocket(url);
    const cdp = new Cdp(socket, timeoutMs);
    const opened = new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), {
        once: true,
      });
    });
    try {
      await withTimeout(opened, timeoutMs, `connecting to ${url}`);
    } catch (error) {
      await cdp.close();
      throw error;
    }
    return cdp;
  }

  /** Sends a command (to a target's session when `sessionId` is given) and returns its result. */
  async send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const answer = new Promise<CdpMessage>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.#socket.send(JSON.stringify({ id, method, params, sessionId }));
    try {
      const message = await withTimeout(answer, this.#timeoutMs, method);
      if (message.error) throw new Error(`${method}: ${message.error.message}`);
      return message.result ?? {};
    } finally {
      this.#pending.delete(id);
    }
  }

  /** Waits for the next event `method` of `sessionId`; call `cancel` if it is no longer wanted. */
  waitFor(method: string, sessionId: string): { event: Promise<void>; cancel(): void } {
    let listener: (message: CdpMessage) => void = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cancel = () => {
      this.#listeners.delete(listener);
      clearTimeout(timer);
    };
    const event = new Promise<void>((resolve, reject) => {
      listener = (message) => {
        if (message.method === method && message.sessionId === sessionId) {
          cancel();
          resolve();
        }
      };
      timer = setTimeout(() => {
        cancel();
        reject(new Error(`no ${method} in ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    this.#listeners.add(listener);
    return { event, cancel };
  }

  /** Closes the connection and waits until it is closed. */
  async close(): Promise<void> {
    if (this.#socket.readyState !== WebSocket.CLOSED) this.#socket.close();
    await this.#closed;
  }
}

/** Reads Chromium's stderr line by line, keeping the last lines for error messages. */
class StderrLog {
  lines: string[] = [];
  done: Promise<void>;
  #reader: ReadableStreamDefaultReader<string>;
  #onLine: (line: string) => void;

  constructor(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    this.#onLine = onLine;
    this.done = this.#read();
  }

  async #read(): Promise<void> {
    let buffer = "";
    try {
      while (true) {
        const { value, done } = await this.#reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n")) >= 0) {
          this.#line(buffer.slice(0, end));
          buffer = buffer.slice(end + 1);
        }
      }
      if (buffer) this.#line(buffer);
    } catch {
      // cancelled
    }
  }

  #line(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 30) this.lines.shift();
    this.#onLine(line);
  }

  /** Stops reading (when a process Chromium left behind still holds the pipe). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
    await this.done;
  }

  toString(): string {
    return this.lines.join("\n");
  }
}

/**
 * Starts headless Chromium on a free loopback port with a throwaway profile and
 * connects to it. Throws, saying how to install it, when Chromium is not found.
 */
export async function launchChromium(options: ChromiumOptions = {}): Promise<Chromium> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const executable = options.executable ?? findChromium();
  if (executable == null) throw new Error(`Chromium not found: ${INSTALL_HINT}`);
  try {
    await Deno.stat(executable);
  } catch (error) {
    throw new Error(`Chromium not found at ${executable}: ${INSTALL_HINT}`, { cause: error });
  }

  const profile = await Deno.makeTempDir({ prefix: "evsim-chromium-" });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(executable, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        "--no-first-run",
        "--no-default-browser-check",
        "--window-size=1280,1024",
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    await Deno.remove(profile, { recursive: true });
    throw new Error(`cannot start ${executable}: ${INSTALL_HINT}`, { cause: error });
  }

  let listening: (url: string) => void = () => {};
  const devtoolsUrl = new Promise<string>((resolve) => listening = resolve);
  const stderr = new StderrLog(child.stderr, (line) => {
    const match = /DevTools listening on (ws:\/\/\S+)/.exec(line);
    if (match) listening(match[1]);
  });

  let cdp: Cdp | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (cdp) {
      // Chromium may drop the connection before it answers.
      await cdp.send("Browser.close").catch(() => {});
      await cdp.close();
    }
    try {
      await withTimeout(child.status, 5_000, "Chromium exiting");
    } catch {
      child.kill("SIGKILL");
      await child.status;
    }
    await withTimeout(stderr.done, 2_000, "Chromium's stderr").catch(() => stderr.cancel());
    // Chromium's helper processes may still be writing their last files.
    for (let attempt = 0;; attempt++) {
      try {
        await Deno.remove(profile, { recursive: true });
        break;
      } catch (error) {
        if (attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };

  try {
    const exited = child.status.then((s) => {
      throw new Error(`Chromium exited with status ${s.code} before listening:\n${stderr}`);
    });
    exited.catch(() => {}); // it also exits when closed, later
    const url = await withTimeout(
      Promise.race([devtoolsUrl, exited]),
      timeoutMs,
      "Chromium starting",
    );
    if (new URL(url).hostname !== "127.0.0.1") {
      throw new Error(`Chromium listens on ${url}, not on 127.0.0.1`);
    }
    cdp = await Cdp.connect(url, timeoutMs);
  } catch (error) {
    await close();
    throw error;
  }
  const connection = cdp;

  const open = async (url: string): Promise<ChromiumPage> => {
    const { targetId } = await connection.send("Target.createTarget", { url: "about:blank" });
    let closed = false;
    const closePage = async () => {
      if (closed) return;
      closed = true;
      await connection.send("Target.closeTarget", { targetId }).catch(() => {});
    };
    try {
      const { sessionId } = await connection.send("Target.attachToTarget", {
        targetId,
        flatten: true,
      }) as { sessionId: string };
      await connection.send("Page.enable", {}, sessionId);
      const load = connection.waitFor("Page.loadEventFired", sessionId);
      try {
        const navigation = await connection.send("Page.navigate", { url }, sessionId);
        if (navigation.errorText) throw new Error(`cannot open ${url}: ${navigation.errorText}`);
        await load.event;
      } finally {
        load.cancel();
        load.event.catch(() => {});
      }
      const evaluateInPage = async (expression: string): Promise<unknown> => {
        const { result, exceptionDetails } = await connection.send("Runtime.evaluate", {
          expression,
          returnByValue: true,
          awaitPromise: true,
        }, sessionId) as {
          result: { value?: unknown };
          exceptionDetails?: { text: string; exception?: { description?: string } };
        };
        if (exceptionDetails) {
          throw new Error(
            `evaluating in ${url} threw: ${
              exceptionDetails.exception?.description ?? exceptionDetails.text
            }`,
          );
        }
        return result.value;
      };
      const screenshot = async (): Promise<Uint8Array> => {
        const { data } = await connection.send(
          "Page.captureScreenshot",
          { format: "png" },
          sessionId,
        ) as {
          data: string;
        };
        return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      };
      return {
        evaluate: evaluateInPage,
        screenshot,
        close: closePage,
        [Symbol.asyncDispose]: closePage,
      };
    } catch (error) {
      await closePage();
      throw error;
    }
  };

  const evaluate = async (url: string, expression: string): Promise<unknown> => {
    const page = await open(url);
    try {
      return await page.evaluate(expression);
    } finally {
      await page.close();
    }
  };

  return { evaluate, open, close, [Symbol.asyncDispose]: close };
}
