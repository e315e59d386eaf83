// A TLS front for a central system on 127.0.0.1, under Node (Deno's TLS
// server cannot yet ask for a client certificate): it requires a client
// certificate signed by the CA it is given, and passes the bytes of each
// connection to and from TARGET_PORT. It prints a JSON line per event:
// `listening` (its port), `connection` (the client certificate's CN and
// SHA-256 fingerprint) and `tlsError`.
//
//   node tests/_mtls_proxy.mjs CERT KEY CA TARGET_PORT
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { createServer } from "node:tls";

const [cert, key, ca] = process.argv.slice(2, 5).map((f) => readFileSync(f));
const target = Number(process.argv[5]);
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const server = createServer(
  { cert, key, ca, requestCert: true, rejectUnauthorized: true },
  (socket) => {
    const peer = socket.getPeerCertificate();
    say({
      type: "connection",
      cn: peer?.subject?.CN ?? null,
      fingerprint256: peer?.fingerprint256,
    });
    const upstream = connect(target, "127.0.0.1");
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    for (const s of [socket, upstream]) {
      s.on("error", end);
      s.on("close", end);
    }
  },
);
server.on("tlsClientError", (error) => say({ type: "tlsError", message: error.message }));
server.listen(0, "127.0.0.1", () => say({ type: "listening", port: server.address().port }));
