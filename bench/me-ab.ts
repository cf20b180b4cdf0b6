/**
 * `bun bench/me-ab.ts`: GET /api/v1/auth/me on two Cobalt checkouts and the bare Bun.SQL
 * reference (bench/reference.ts), side by side in one run: a before/after of a change to the hot
 * path without the full `bun run bench`. Interleaved rounds in rotating order (whatever else the
 * shared machine does hits all alike); the figures that matter are the medians of per-round
 * ratios and the server CPU per request (utime + stime from /proc over the round), which moves
 * far less with machine load than req/s does.
 *
 * Env: BENCH_AB="before=/work/main,after=." (label=checkout, any number), BENCH_AB_ROUNDS (5),
 * BENCH_AB_SECONDS (5 per round), BENCH_CONNECTIONS (64), BENCH_PROFILE=1 (the last checkout
 * under --cpu-prof into BENCH_PROFILE_DIR; its figures are then not comparable),
 * BENCH_DATABASE_URL, BENCH_REDIS_URL as for bench/run.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { combine, cpuPerRequest, type LoadResult, pickTool, runLoad } from "./lib/load";
import { cpuTicks, freePort, killAll, type ServerProcess, startServer } from "./lib/proc";
import { median } from "./lib/rounds";
import { clearRedis, createDatabase, dropDatabase, seed, USER_PREFIX } from "./lib/seed";

const env = process.env;
const PG_ADMIN_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/13";
const ROUNDS = Number(env.BENCH_AB_ROUNDS ?? 5);
const SECONDS = Number(env.BENCH_AB_SECONDS ?? 5);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 64);
const PROFILE_DIR = env.BENCH_PROFILE_DIR ?? join(tmpdir(), "cobalt-bench-profiles");
const checkouts = (env.BENCH_AB ?? "before=/work/main,after=.").split(",").map((pair) => {
  const [label, dir] = pair.split("=");
  return { label: label!, dir: resolve(dir!) };
});
const JWT_SECRET = randomBytes(48).toString("base64url");
const DB_NAME = `cobalt_ab_${Date.now().toString(36)}_${process.pid}`;
const WORK = mkdtempSync(join(tmpdir(), "cobalt-ab-"));
const tool = pickTool();
const off = Object.fromEntries(["LOGIN", "LOGIN_ACCOUNT", "REGISTER", "REFRESH", "EMAIL", "API"].map((name) => [`RATE_LIMIT_${name}`, "off"]));

async function main() {
  const databaseUrl = await createDatabase(PG_ADMIN_URL, DB_NAME);
  await clearRedis(REDIS_URL);
  const servers: { label: string; server: ServerProcess }[] = [];
  try {
    for (const [i, { label, dir }] of checkouts.entries()) {
      const port = await freePort();
      const profile = env.BENCH_PROFILE === "1" && i === checkouts.length - 1;
      const server = await startServer({
        name: label,
        cmd: [process.execPath, "--no-env-file", ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : []), "src/index.ts"],
        env: { PATH: env.PATH, HOME: env.HOME, NODE_ENV: "production", PORT: String(port), APP_URL: `http://127.0.0.1:${port}`, JWT_SECRET, JWT_ALG: "HS256", ENCRYPTION_KEY: randomBytes(32).toString("base64url"), DATABASE_URL: databaseUrl, REDIS_URL, DATABASE_POOL_SIZE: "20", LOG_LEVEL: "info", LOG_FORMAT: "json", ARGON2_MEMORY_KIB: "19456", ARGON2_TIME_COST: "2", DATA_DIR: join(WORK, label), ...off },
        port,
        cwd: dir,
        // The request log is discarded (a line a request); start-up failures still show in the error.
        logFile: join(WORK, `${label}.log`),
        timeoutMs: 120_000,
      });
      servers.push({ label, server });
      // The first start migrates; the seed needs the schema.
      if (i === 0) await seed(databaseUrl, { users: 1000, passwordHash: await Bun.password.hash("bench-Pa55word", { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 }), refreshPool: 0 });
    }
    const refPort = await freePort();
    const reference = await startServer({ name: "reference", cmd: [process.execPath, "--no-env-file", join(import.meta.dir, "reference.ts")], env: { PATH: env.PATH, PORT: String(refPort), DATABASE_URL: databaseUrl, REDIS_URL, JWT_SECRET, DATABASE_POOL_SIZE: "20" }, port: refPort, cwd: resolve(import.meta.dir, ".."), logFile: null });
    servers.unshift({ label: "reference", server: reference });

    const login = await fetch(`${servers[1]!.server.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username_or_email: `${USER_PREFIX}7`, password: "bench-Pa55word" }) });
    const token = ((await login.json()) as { access_token: string }).access_token;
    const headers = { authorization: `Bearer ${token}` };
    const bodies = await Promise.all(servers.map(async ({ server }) => (await fetch(`${server.url}/api/v1/auth/me`, { headers })).text()));
    if (new Set(bodies).size !== 1) throw new Error(`/me bodies differ: ${bodies.join(" | ")}`);

    const runs = new Map<string, LoadResult[]>(servers.map(({ label }) => [label, []]));
    const run = async ({ label, server }: (typeof servers)[number], seconds: number) => {
      const before = cpuTicks(server.pid)!;
      const result = await runLoad(tool, { label, url: `${server.url}/api/v1/auth/me`, headers, seconds, connections: CONNECTIONS, threads: 2 }, WORK);
      result.serverCpuSeconds = (cpuTicks(server.pid)! - before) / 100;
      return result;
    };
    for (const contender of servers) await run(contender, 2);
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < servers.length; i++) {
        const contender = servers[(i + round) % servers.length]!;
        const result = await run(contender, SECONDS);
        runs.get(contender.label)!.push(result);
        console.log(`round ${round + 1} ${contender.label.padEnd(10)} ${Math.round(result.rps)} req/s  p99 ${result.p99Ms.toFixed(2)} ms  CPU ${Math.round(cpuPerRequest(result)!)} us/req  errors ${result.errors.total}`);
      }
    }
    console.log(`\nload average at the end: ${loadavg().map((v) => v.toFixed(2)).join(" ")}`);
    const ref = runs.get("reference")!;
    for (const { label } of servers) {
      const mine = runs.get(label)!;
      const all = combine(label, mine);
      const rpsRatio = median(mine.map((r, i) => r.rps / ref[i]!.rps));
      const cpu = median(mine.map((r) => cpuPerRequest(r)!));
      const cpuRatio = median(mine.map((r, i) => cpuPerRequest(ref[i]!)! / cpuPerRequest(r)!));
      console.log(`${label.padEnd(10)} median ${Math.round(median(mine.map((r) => r.rps)))} req/s, ${rpsRatio.toFixed(3)}x the reference (per-round median); CPU ${Math.round(cpu)} us/req, reference CPU / this CPU ${cpuRatio.toFixed(3)}; p99 ${all.p99Ms.toFixed(2)} ms; errors ${all.errors.total}`);
    }
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop().catch(() => {})));
    killAll();
    await dropDatabase(PG_ADMIN_URL, DB_NAME).catch(() => {});
    await clearRedis(REDIS_URL).catch(() => {});
    rmSync(WORK, { recursive: true, force: true });
  }
}

await main();
