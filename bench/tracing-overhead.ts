/**
 * `bun bench/tracing-overhead.ts`: what tracing costs on GET /api/v1/auth/me (one query and one
 * store call per request), in one process, interleaved rounds:
 *   off-A, off-B  no OTEL_EXPORTER_OTLP_ENDPOINT (twice: their gap is this machine's noise floor)
 *   on            spans exported over OTLP/HTTP to an in-process receiver that accepts them
 * Same database (embedded PGlite, or Postgres/Redis when DATABASE_URL/REDIS_URL are set) and one
 * user for all three. Env: TRACE_BENCH_REQUESTS (per round, default 4000), TRACE_BENCH_ROUNDS (5),
 * TRACE_BENCH_CONCURRENCY (16).
 */
import { startTestApp, type TestApp } from "../tests/helpers/app";
import { bearer, registerUser } from "../tests/helpers/users";

const REQUESTS = Number(process.env.TRACE_BENCH_REQUESTS ?? 4000);
const ROUNDS = Number(process.env.TRACE_BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.TRACE_BENCH_CONCURRENCY ?? 16);

let spansReceived = 0;
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const body = (await request.json()) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spansReceived += scope.spans.length;
    return Response.json({});
  },
});

const relaxed = { RATE_LIMIT_API: "off", RATE_LIMIT_REGISTER: "off" };
const offA = await startTestApp({ env: relaxed });
const offB = await startTestApp({ env: relaxed, shareWith: offA });
const on = await startTestApp({ env: { ...relaxed, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}` }, shareWith: offA });
const user = await registerUser(offA);
const headers = bearer(user.accessToken);

async function round(app: TestApp): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next++ < REQUESTS) {
      const response = await fetch(`${app.url}/api/v1/auth/me`, { headers });
      if (response.status !== 200) throw new Error(`unexpected ${response.status}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return REQUESTS / ((performance.now() - started) / 1000);
}

const targets = { "off-A": offA, "off-B": offB, on } as const;
const results: Record<string, number[]> = { "off-A": [], "off-B": [], on: [] };
for (const app of Object.values(targets)) await round(app); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  // Rotate the order each round so drift hits every target alike.
  const order = Object.entries(targets);
  for (let i = 0; i < r % order.length; i++) order.push(order.shift()!);
  for (const [name, app] of order) results[name]!.push(await round(app));
}
await on.deps.tracing!.flush();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const m = Object.fromEntries(Object.entries(results).map(([name, values]) => [name, median(values)]));
console.log(`GET /api/v1/auth/me, ${ROUNDS} rounds × ${REQUESTS} requests, ${CONCURRENCY} in flight (median req/s)`);
for (const [name, value] of Object.entries(m)) console.log(`  ${name.padEnd(6)} ${value.toFixed(0)}`);
console.log(`  off-B / off-A (noise floor) ${(m["off-B"]! / m["off-A"]!).toFixed(3)}`);
console.log(`  on / off-A                  ${(m.on! / m["off-A"]!).toFixed(3)}`);
console.log(`  spans received: ${spansReceived} (${(spansReceived / ((ROUNDS + 1) * REQUESTS)).toFixed(1)} per traced request)`);

await on.stop();
await offB.stop();
await offA.stop();
receiver.stop(true);
