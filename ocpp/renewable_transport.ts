/**
 * A charge point's transport whose client certificate (security profile 3)
 * can change: a TLS connection keeps the certificate it was opened with, so
 * the new one is used from the next connection. That is the one the charge
 * point opens itself (after a reset, a dropped link, a power cut), and also
 * the one after the link drops on its own: the transport underneath, which
 * would reconnect with the old certificate, is then closed and a new one made
 * with the new certificate, and that one reconnects.
 *
 * ```ts
 * const make = withCertificateRenewal(getRpcTransport);
 * const transport = make({ url, identity, version: "2.0.1", ca, clientCert });
 * transport.useClientCertificate({ cert, key }); // from its next connection
 * ```
 *
 * A charge point calls `useClientCertificate` on a transport that has it
 * (see {@link canRenewCertificate}) when the central system's
 * `CertificateSigned` is accepted.
 *
 * @module
 */
import type { ClientCertificate } from "./certificate_store.ts";
import {
  ForwardingTransport,
  type OcppHandler,
  type OcppTransport,
  type TransportEvent,
  type TransportFactory,
  type TransportOptions,
} from "./transport.ts";

/** A transport that takes a new client certificate for its next connection. */
export interface CertificateRenewal {
  /** The certificate and key to connect with from the next connection on. */
  useClientCertificate(certificate: ClientCertificate): void;
}

/** Whether `transport` can take a new client certificate. */
export function canRenewCertificate(
  transport: OcppTransport,
): transport is OcppTransport & CertificateRenewal {
  return typeof (transport as Partial<CertificateRenewal>).useClientCertificate === "function";
}

/** Makes transports with `make` whose client certificate can change (see the module). */
export function withCertificateRenewal(
  make: TransportFactory,
): (options: TransportOptions) => RenewableTransport {
  return (options) => new RenewableTransport(make, options);
}

/** A transport made by `make`, made again with a new client certificate when one is given. */
export class RenewableTransport extends ForwardingTransport implements CertificateRenewal {
  readonly #make: TransportFactory;
  readonly #options: TransportOptions;
  #detach: () => void = () => {};
  readonly #handlers = new Map<string, OcppHandler>();
  readonly #listeners = new Set<(event: TransportEvent) => void>();
  readonly #frames = new Set<(text: string, outbound: boolean) => void>();
  /** The certificate the transport underneath was made with. */
  #current?: ClientCertificate;
  /** The certificate for the next connection, once given. */
  #next?: ClientCertificate;
  #opened = 0;
  #signal?: AbortSignal;
  /** Closed by its user (not dropped): nothing reconnects until `connect`. */
  #closed = false;
  #swapping?: Promise<void>;

  constructor(make: TransportFactory, options: TransportOptions) {
    super(make(options));
    this.#make = make;
    this.#options = options;
    this.#current = options.clientCert;
    this.#wire(this.inner);
  }

  /** The client certificate of the connection now (or the next, until one opens with it). */
  get clientCertificate(): ClientCertificate | undefined {
    return this.#next ?? this.#current;
  }

  useClientCertificate(certificate: ClientCertificate): void {
    this.#next = certificate;
  }

  override handle(action: string, handler: OcppHandler): void {
    this.#handlers.set(action, handler);
    this.inner.handle(action, handler);
  }

  override on(listener: (event: TransportEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  override onFrame(listener: (text: string, outbound: boolean) => void): () => void {
    this.#frames.add(listener);
    return () => this.#frames.delete(listener);
  }

  override async connect(signal?: AbortSignal): Promise<void> {
    this.#closed = false;
    this.#signal = signal;
    await this.#swapping;
    if (this.#next) await this.#swap();
    await this.inner.connect(signal);
  }

  override async close(
    options?: { code?: number; reason?: string; force?: boolean },
  ): Promise<void> {
    this.#closed = true;
    await this.#swapping;
    await this.inner.close(options);
  }

  override async [Symbol.asyncDispose](): Promise<void> {
    await this.close({ force: true });
  }

  /** Takes up `inner`: the handlers set so far, and its events and frames passed on. */
  #wire(inner: OcppTransport): OcppTransport {
    for (const [action, handler] of this.#handlers) inner.handle(action, handler);
    const off = [
      inner.on((e) => this.#event(inner, e)),
      inner.onFrame((text, outbound) => {
        for (const listener of this.#frames) listener(text, outbound);
      }),
    ];
    this.#detach = () => off.forEach((f) => f());
    return inner;
  }

  #event(inner: OcppTransport, event: TransportEvent): void {
    if (inner !== this.inner) return;
    // One transport to its user: an open after the first is a reconnect, whichever made it.
    const e = event.type === "open"
      ? { type: "open" as const, reconnect: ++this.#opened > 1 }
      : event;
    for (const listener of this.#listeners) listener(e);
    if (e.type === "disconnect" && this.#next && !this.#closed) {
      // The one underneath would reconnect with the old certificate: a new one, with the new.
      // Made once the old one has taken the drop in (closing it from its own event would wait
      // for a socket that has closed already).
      const swapped = new Promise((resolve) => setTimeout(resolve, 0)).then(async () => {
        if (this.#closed || !this.#next) return false;
        await this.#swap();
        return true;
      });
      this.#swapping = swapped.then(() => {});
      swapped.then((made) => {
        if (made && !this.#closed) this.inner.connect(this.#signal).catch(() => {}); // it retries
      });
    }
  }

  /** Closes the transport underneath and makes a new one with the next certificate. */
  async #swap(): Promise<void> {
    const old = this.inner;
    const clientCert = this.#next;
    this.#next = undefined;
    this.#detach();
    this.inner = this.#wire(this.#make({ ...this.#options, clientCert }));
    this.#current = clientCert;
    await old.close({ force: true }).catch(() => {});
  }
}
