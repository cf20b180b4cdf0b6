/**
 * `bun run bench:tokens`: what EdDSA access tokens cost on GET /api/v1/auth/me, side by side in
 * one run on real Postgres and Redis (only ratios from one run compare on these shared machines):
 *
 *   reference            bench/reference.ts (bare Bun.serve, HS256, same drivers' work)
 *   cobalt HS256         JWT_ALG=HS256
 *   cobalt EdDSA hit     JWT_ALG=EdDSA, the verification cache on (a client repeating its token)
 *   cobalt EdDSA miss    JWT_ALG=EdDSA, JWT_VERIFY_CACHE_SIZE=0 (every request verifies Ed25519)
 *
 * Interleaved rounds in rotating order, equal lengths; server CPU per request for each.
 * Env: BENCH_TOKENS_ROUNDS (3), BENCH_TOKENS_SECONDS (5 per round), BENCH_CONNECTIONS (32),
 * BENCH_THREADS (2), BENCH_DATABASE_URL, BENCH_REDIS_URL (as bench/run.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { combine, cpuPerRequest, type LoadResult, pickTool, runLoad } from "./lib/load";
import { cpuTicks, freePort, killAll, type ServerProcess, startServer } from "./lib/proc";
import { clearRedis, createDatabase, dropDatabase } from "./lib/seed";

const ROOT = resolve(import.meta.dir, "..");
const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const ROUNDS = num("BENCH_TOKENS_ROUNDS", 3);
const SECONDS = num("BENCH_TOKENS_SECONDS", 5);
const CONNECTIONS = num("BENCH_CONNECTIONS", 32);
const THREADS = num("BENCH_THREADS", 2);
const PG_ADMIN_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/13";
const DB_NAME = `cobalt_bench_tokens_${Date.now().toString(36)}`;
const WORK = mkdtempSync(join(tmpdir(), "cobalt-bench-tokens-"));
const SHARED = {
  PATH: env.PATH,
  HOME: env.HOME,
  NODE_ENV: "production",
  JWT_SECRET: randomBytes(48).toString("base64url"),
  ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
  LOG_LEVEL: "warn",
  ARGON2_MEMORY_KIB: "19456",
  ARGON2_TIME_COST: "2",
  ...Object.fromEntries(["LOGIN", "LOGIN_ACCOUNT", "REGISTER", "REFRESH", "EMAIL", "API"].map((name) => [`RATE_LIMIT_${name}`, "off"])),
};
const tool = pickTool();
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

async function start(name: string, cmd: string[], databaseUrl: string, extra: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  return startServer({
    name,
    cmd,
    env: { ...SHARED, PORT: String(port), APP_URL: `http://127.0.0.1:${port}`, DATABASE_URL: databaseUrl, REDIS_URL, DATA_DIR: join(WORK, "data"), ...extra },
    port,
    cwd: ROOT,
    logFile: join(WORK, `${name.replace(/\W+/g, "_")}.log`),
    timeoutMs: 120_000,
  });
}

async function register(server: ServerProcess, username: string): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, email: `${username}@example.com`, password: "bench-Pa55word-Cobalt-7f3a" }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 201 || !body.access_token) throw new Error(`sign-up on ${server.name} failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function measure(server: ServerProcess, token: string, seconds: number): Promise<LoadResult> {
  const before = cpuTicks(server.pid);
  const result = await runLoad(tool, { label: server.name, url: `${server.url}/api/v1/auth/me`, headers: { authorization: `Bearer ${token}` }, seconds, connections: CONNECTIONS, threads: THREADS }, WORK);
  const after = cpuTicks(server.pid);
  if (before !== null && after !== null) result.serverCpuSeconds = (after - before) / 100;
  return result;
}

async function main(): Promise<void> {
  const databaseUrl = await createDatabase(PG_ADMIN_URL, DB_NAME);
  await clearRedis(REDIS_URL);
  const bun = [process.execPath, "--no-env-file"];
  try {
    const hs = await start("cobalt HS256", [...bun, "src/index.ts"], databaseUrl, { JWT_ALG: "HS256" });
    const eddsa = await start("cobalt EdDSA hit", [...bun, "src/index.ts"], databaseUrl, { JWT_ALG: "EdDSA" });
    const miss = await start("cobalt EdDSA miss", [...bun, "src/index.ts"], databaseUrl, { JWT_ALG: "EdDSA", JWT_VERIFY_CACHE_SIZE: "0" });
    const reference = await start("reference", [...bun, "bench/reference.ts"], databaseUrl);
    const hsToken = await register(hs, "bench_hs256");
    const edToken = await register(eddsa, "bench_eddsa");
    const contenders: [ServerProcess, string][] = [
      [reference, hsToken],
      [hs, hsToken],
      [eddsa, edToken],
      [miss, edToken],
    ];
    for (const [server, token] of contenders) {
      const probe = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      if (probe.status !== 200) throw new Error(`${server.name} /me probe answered ${probe.status}`);
      await measure(server, token, 2); // warm-up
    }
    const runs = new Map<ServerProcess, LoadResult[]>(contenders.map(([server]) => [server, []]));
    for (let i = 0; i < ROUNDS; i++) {
      for (let j = 0; j < contenders.length; j++) {
        const [server, token] = contenders[(i + j) % contenders.length]!;
        runs.get(server)!.push(await measure(server, token, SECONDS));
      }
    }
    const refRps = combine("reference", runs.get(reference)!).rps;
    console.log(`GET /api/v1/auth/me, ${ROUNDS} x ${SECONDS} s interleaved, ${CONNECTIONS} connections, ${tool}`);
    console.log("server               req/s   vs reference   p99 ms   server CPU us/req   errors");
    for (const [server] of contenders) {
      const result = combine(server.name, runs.get(server)!);
      const cpu = cpuPerRequest(result);
      console.log(
        `${server.name.padEnd(18)} ${round(result.rps).toString().padStart(8)}   ${round(result.rps / refRps, 2).toFixed(2).padStart(12)}   ${round(result.p99Ms, 2).toString().padStart(6)}   ${(cpu === null ? "-" : String(Math.round(cpu))).padStart(17)}   ${result.errors.total}`,
      );
    }
    for (const server of [reference, hs, eddsa, miss]) await server.stop();
  } finally {
    killAll();
    await dropDatabase(PG_ADMIN_URL, DB_NAME).catch(() => {});
    await clearRedis(REDIS_URL).catch(() => {});
    rmSync(WORK, { recursive: true, force: true });
  }
}

await main();
