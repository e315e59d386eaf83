/**
 * A receiver that does nothing, for benchmarks: a `Deno.serve` on 127.0.0.1
 * port 0 that reads each request's body and answers 200, after DELAY_MS if
 * given (a receiver across a network). It prints its URL on stdout once it
 * listens.
 *
 *     deno run --allow-net=127.0.0.1 tests/_null_receiver.ts [DELAY_MS]
 */
// deno-lint-ignore-file no-console
const delayMs = Number(Deno.args[0] ?? 0);
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
}, async (request) => {
  await request.arrayBuffer();
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  return new Response(null, { status: 200 });
});
