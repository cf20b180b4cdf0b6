/**
 * `bun bench/admin-search-ab.ts`: GET /api/v1/admin/users?search=… on two Cobalt checkouts side
 * by side, on one database seeded with BENCH_USERS (100,000) users: a before/after of the admin
 * search without the full `bun run bench`. Rounds are interleaved in rotating order, so whatever
 * else the shared machine does hits both alike; each run is `wrk -t1 -c16 -d10s` with an admin
 * bearer token. Besides req/s and p50, each run records the CPU per request of the Cobalt process
 * and of the database's backends (utime + stime from /proc): on a shared machine those move far
 * less than req/s, and the search's cost is mostly in Postgres.
 *
 * A few other searches are timed one request at a time (median of 5) on each checkout: the ones
 * a live search sends while the admin types (one or two characters, a whole email, no match).
 *
 * The figures go to the console and into bench/results.json under `admin_search_ab` (or
 * `admin_users_ab_<query>` for another query; the rest of
 * the file, from `bun run bench`, is kept).
 *
 * Env: BENCH_AB="before=/work/main,after=." (label=checkout), BENCH_AB_QUERY (default the target
 * search; e.g. "per_page=20" for the default users page), BENCH_AB_ROUNDS (3),
 * BENCH_AB_SECONDS (10), BENCH_ADMIN_CONNECTIONS (16), BENCH_USERS (100000), BENCH_DATABASE_URL,
 * BENCH_REDIS_URL as for bench/run.ts.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import postgres from "postgres";
import { type LoadResult, pickTool, runLoad } from "./lib/load";
import { cpuTicks, freePort, killAll, type ServerProcess, startServer } from "./lib/proc";
import { median } from "./lib/rounds";
import { ADMIN_USERNAME, clearRedis, createDatabase, dropDatabase, seed } from "./lib/seed";

const env = process.env;
const PG_ADMIN_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/13";
const ROUNDS = Number(env.BENCH_AB_ROUNDS ?? 3);
const SECONDS = Number(env.BENCH_AB_SECONDS ?? 10);
const CONNECTIONS = Number(env.BENCH_ADMIN_CONNECTIONS ?? 16);
const USERS = Number(env.BENCH_USERS ?? 100_000);
const PASSWORD = "bench-Pa55word-admin";
/** The search the targets are about: 1,111 of 100,000 users (bench_user_42, _420…, _4200…, _42000…). */
const TARGET_SEARCH = "search=user_42&per_page=20";
/** What the rounds load: the target search, or another list query (BENCH_AB_QUERY=per_page=20 for the default page). */
const SEARCH = env.BENCH_AB_QUERY ?? TARGET_SEARCH;
const RESULTS_KEY = SEARCH === TARGET_SEARCH ? "admin_search_ab" : `admin_users_ab_${SEARCH.replace(/\W+/g, "_")}`;
const PROBES = ["search=zz", "search=42", "search=bench_user_4217%40example.com", "search=no-such-user", "per_page=20", "per_page=20&page=600"];
const checkouts = (env.BENCH_AB ?? "before=/work/main,after=.").split(",").map((pair) => {
  const [label, dir] = pair.split("=");
  return { label: label!, dir: resolve(dir!) };
});
const RESULTS_FILE = join(import.meta.dir, "results.json");
const DB_NAME = `cobalt_admin_ab_${Date.now().toString(36)}_${process.pid}`;
const WORK = mkdtempSync(join(tmpdir(), "cobalt-admin-ab-"));
const tool = pickTool();
const off = Object.fromEntries(["LOGIN", "LOGIN_ACCOUNT", "REGISTER", "REFRESH", "EMAIL", "API"].map((name) => [`RATE_LIMIT_${name}`, "off"]));
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** CPU ticks of the database's backends, by pid (the pools' connections live through a run). */
async function backendTicks(sql: postgres.Sql): Promise<Map<number, number>> {
  const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${DB_NAME} and pid <> pg_backend_pid()`;
  const ticks = new Map<number, number>();
  for (const { pid } of rows) {
    const value = cpuTicks(pid);
    if (value !== null) ticks.set(pid, value);
  }
  return ticks;
}
const ticksSince = (before: Map<number, number>, after: Map<number, number>) => [...after].reduce((sum, [pid, value]) => sum + value - (before.get(pid) ?? 0), 0);

interface Run {
  result: LoadResult;
  serverUs: number;
  postgresUs: number;
}

async function main() {
  const databaseUrl = await createDatabase(PG_ADMIN_URL, DB_NAME);
  const monitor = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await clearRedis(REDIS_URL);
  const jwtSecret = randomBytes(48).toString("base64url");
  const servers: { label: string; dir: string; server: ServerProcess }[] = [];
  try {
    for (const [i, { label, dir }] of checkouts.entries()) {
      const port = await freePort();
      const server = await startServer({
        name: label,
        cmd: [process.execPath, "--no-env-file", "src/index.ts"],
        env: { PATH: env.PATH, HOME: env.HOME, NODE_ENV: "production", PORT: String(port), APP_URL: `http://127.0.0.1:${port}`, JWT_SECRET: jwtSecret, JWT_ALG: "HS256", ENCRYPTION_KEY: randomBytes(32).toString("base64url"), DATABASE_URL: databaseUrl, REDIS_URL, DATABASE_POOL_SIZE: "20", LOG_LEVEL: "info", LOG_FORMAT: "json", ARGON2_MEMORY_KIB: "19456", ARGON2_TIME_COST: "2", DATA_DIR: join(WORK, label), ...off },
        port,
        cwd: dir,
        logFile: join(WORK, `${label}.log`),
        timeoutMs: 120_000,
      });
      servers.push({ label, dir, server });
      // The first start migrates; the seed needs the schema.
      if (i === 0) {
        const passwordHash = await Bun.password.hash(PASSWORD, { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 });
        const seeded = await seed(databaseUrl, { users: USERS, passwordHash, refreshPool: 0 });
        console.log(`seeded ${seeded.users} users by SQL in ${seeded.seconds.toFixed(1)} s`);
      }
    }
    // One admin token serves every checkout: same secret, same database, same store.
    const login = await fetch(`${servers[0]!.server.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username_or_email: ADMIN_USERNAME, password: PASSWORD }) });
    const token = ((await login.json()) as { access_token?: string }).access_token;
    if (!token) throw new Error(`admin sign-in answered ${login.status}`);
    const headers = { authorization: `Bearer ${token}` };

    // Same answer from every checkout (ignoring fields a newer one adds).
    const probes = await Promise.all(servers.map(async ({ server }) => (await (await fetch(`${server.url}/api/v1/admin/users?${SEARCH}`, { headers })).json()) as { users?: { id: string }[]; total?: number }));
    for (const [i, probe] of probes.entries()) {
      if (probe.total !== probes[0]!.total || JSON.stringify(probe.users?.map((u) => u.id)) !== JSON.stringify(probes[0]!.users?.map((u) => u.id))) throw new Error(`${servers[i]!.label} answers a different page or total: ${probe.total} vs ${probes[0]!.total}`);
    }
    console.log(`${SEARCH}: ${probes[0]!.total} matches of ${USERS + 1}, the same page from every checkout`);

    const run = async ({ label, server }: (typeof servers)[number], seconds: number): Promise<Run> => {
      const serverBefore = cpuTicks(server.pid)!;
      const pgBefore = await backendTicks(monitor);
      const result = await runLoad(tool, { label, url: `${server.url}/api/v1/admin/users?${SEARCH}`, headers, seconds, connections: CONNECTIONS, threads: 1, countStatuses: true }, WORK);
      const serverTicks = cpuTicks(server.pid)! - serverBefore;
      const pgTicks = ticksSince(pgBefore, await backendTicks(monitor));
      const perRequest = (ticks: number) => (result.requests === 0 ? 0 : (ticks * 10_000) / result.requests);
      return { result, serverUs: perRequest(serverTicks), postgresUs: perRequest(pgTicks) };
    };
    for (const contender of servers) await run(contender, 3);
    const runs = new Map<string, Run[]>(servers.map(({ label }) => [label, []]));
    const loadBefore = loadavg();
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < servers.length; i++) {
        const contender = servers[(i + r) % servers.length]!;
        const one = await run(contender, SECONDS);
        runs.get(contender.label)!.push(one);
        const { result } = one;
        console.log(`round ${r + 1} ${contender.label.padEnd(8)} ${Math.round(result.rps)} req/s  p50 ${result.p50Ms.toFixed(1)} ms  p99 ${result.p99Ms.toFixed(1)} ms  Cobalt ${Math.round(one.serverUs)} us/req  Postgres ${Math.round(one.postgresUs)} us/req  errors ${result.errors.total}  load ${loadavg()[0]!.toFixed(2)}`);
      }
    }
    const loadAfter = loadavg();

    // Single requests: what a live search sends while the admin types.
    const single: Record<string, Record<string, number>> = {};
    for (const { label, server } of servers) {
      single[label] = {};
      for (const query of PROBES) {
        const times: number[] = [];
        for (let n = 0; n < 5; n++) {
          const started = performance.now();
          const response = await fetch(`${server.url}/api/v1/admin/users?${query}`, { headers });
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`${label} ${query} answered ${response.status}`);
          times.push(performance.now() - started);
        }
        single[label]![query] = round(median(times), 2);
      }
    }

    const first = checkouts[0]!.label;
    const summary: Record<string, unknown> = {};
    for (const { label } of servers) {
      const mine = runs.get(label)!;
      const base = runs.get(first)!;
      const rps = median(mine.map((one) => one.result.rps));
      summary[label] = {
        rps: round(rps),
        p50_ms: round(median(mine.map((one) => one.result.p50Ms)), 2),
        p99_ms: round(Math.max(...mine.map((one) => one.result.p99Ms)), 2),
        cobalt_cpu_us_per_request: Math.round(median(mine.map((one) => one.serverUs))),
        postgres_cpu_us_per_request: Math.round(median(mine.map((one) => one.postgresUs))),
        rps_ratio_to_first: round(median(mine.map((one, i) => one.result.rps / base[i]!.result.rps)), 2),
        errors: mine.reduce((sum, one) => sum + one.result.errors.total, 0),
        rounds: mine.map((one) => ({ rps: round(one.result.rps), p50_ms: round(one.result.p50Ms, 2), cobalt_us: Math.round(one.serverUs), postgres_us: Math.round(one.postgresUs) })),
        single_request_ms: single[label],
      };
      const s = summary[label] as { rps: number; p50_ms: number; cobalt_cpu_us_per_request: number; postgres_cpu_us_per_request: number; rps_ratio_to_first: number };
      console.log(`${label.padEnd(8)} median ${s.rps} req/s (${s.rps_ratio_to_first}x ${first}), p50 ${s.p50_ms} ms, CPU per request: Cobalt ${s.cobalt_cpu_us_per_request} us + Postgres ${s.postgres_cpu_us_per_request} us`);
      console.log(`         single requests (median of 5, ms): ${Object.entries(single[label]!).map(([q, ms]) => `${q} ${ms}`).join(" · ")}`);
    }
    console.log(`load average: ${loadBefore.map((v) => v.toFixed(2)).join(" ")} before the rounds, ${loadAfter.map((v) => v.toFixed(2)).join(" ")} after (${cpus().length} cores)`);

    const results = existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as Record<string, unknown>) : {};
    results[RESULTS_KEY] = {
      date: new Date().toISOString(),
      command: `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s -H 'authorization: Bearer <admin>' '/api/v1/admin/users?${SEARCH}', ${ROUNDS} interleaved rounds`,
      users: USERS + 1,
      matches: probes[0]!.total,
      checkouts: Object.fromEntries(checkouts.map(({ label, dir }) => [label, dir])),
      loadavg_before: loadBefore.map((v) => round(v, 2)),
      loadavg_after: loadAfter.map((v) => round(v, 2)),
      cores: cpus().length,
      ...(SEARCH === TARGET_SEARCH ? { targets: { rps: 1000, p50_ms: 20 } } : {}),
      ...summary,
    };
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`written to ${RESULTS_FILE} (${RESULTS_KEY})`);
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop().catch(() => {})));
    killAll();
    await monitor.end().catch(() => {});
    await dropDatabase(PG_ADMIN_URL, DB_NAME).catch(() => {});
    await clearRedis(REDIS_URL).catch(() => {});
    rmSync(WORK, { recursive: true, force: true });
  }
}

await main();
