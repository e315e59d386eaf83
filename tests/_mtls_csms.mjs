// A minimal OCPP 1.6 central system over mutual TLS, under Node: Deno's TLS
// server cannot yet ask for a client certificate. It requires one signed by
// the CA it is given, answers BootNotification (Accepted), StatusNotification
// and Heartbeat, and prints a JSON line per event: `listening` (its port),
// `call` (identity from the URL, the certificate's CN, action) and
// `tlsError`. No dependency: the WebSocket handshake and frames are done here.
//
//   node tests/_mtls_csms.mjs CERT KEY CA
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";

const [cert, key, ca] = process.argv.slice(2).map((f) => readFileSync(f));
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const server = createServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true });
server.on("tlsClientError", (error) => say({ type: "tlsError", message: error.message }));
server.on("upgrade", (req, socket) => {
  const cn = socket.getPeerCertificate()?.subject?.CN ?? null;
  const identity = decodeURIComponent(req.url.split("/").pop());
  const accept = createHash("sha1")
    .update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    .digest("base64");
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n`,
  );
  const send = (text) => {
    const body = Buffer.from(text);
    const head = body.length < 126
      ? Buffer.from([0x81, body.length])
      : Buffer.from([0x81, 126, body.length >> 8, body.length & 255]);
    socket.write(Buffer.concat([head, body]));
  };
  let buffered = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (buffered.length < 2) return;
      const opcode = buffered[0] & 15;
      let length = buffered[1] & 127;
      let at = 2;
      if (length === 126) [length, at] = [buffered.readUInt16BE(2), 4];
      else if (length === 127) [length, at] = [Number(buffered.readBigUInt64BE(2)), 10];
      if (buffered.length < at + 4 + length) return;
      const mask = buffered.subarray(at, at + 4);
      const body = Buffer.from(buffered.subarray(at + 4, at + 4 + length));
      for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
      buffered = buffered.subarray(at + 4 + length);
      if (opcode === 8) return socket.end();
      if (opcode === 9) {
        socket.write(Buffer.concat([Buffer.from([0x8a, body.length]), body]));
        continue;
      }
      if (opcode !== 1) continue;
      const [type, id, action] = JSON.parse(body.toString());
      if (type !== 2) continue;
      say({ type: "call", identity, cn, action });
      const now = new Date().toISOString();
      const answer = action === "BootNotification"
        ? { status: "Accepted", currentTime: now, interval: 300 }
        : action === "Heartbeat"
        ? { currentTime: now }
        : {};
      send(JSON.stringify([3, id, answer]));
    }
  });
  socket.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => say({ type: "listening", port: server.address().port }));
