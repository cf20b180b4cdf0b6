/**
 * `bun run bench`: Cobalt's hot paths measured side by side with honest peers, on real Postgres
 * and Redis, in one run (these machines are shared: only ratios from one run compare).
 *
 *   1. start-up to the first /health answer: embedded defaults (fresh and existing DATA_DIR), Postgres
 *   2. a fresh database, BENCH_USERS users seeded by SQL with one precomputed Argon2id hash
 *   3. the servers, all up at once, every pool sized like Cobalt's (20):
 *      - Cobalt (`bun src/index.ts`, NODE_ENV=production, rate limits off)
 *      - bench/reference.ts: bare Bun.serve on Cobalt's drivers (Bun.SQL + redis), and the same on
 *        postgres.js (informational)
 *      - bench/express-reference.mjs under Node: Express 5 + jsonwebtoken given a KeyObject + pg + redis
 *      - bench/better-auth/: better-auth on Bun + Elysia + pg as its docs set it up (default
 *        session settings), on its own database, installed on demand from its own lockfile,
 *        seeded and signed in through its own API
 *      Cobalt's tokens come from real sign-ins through its API.
 *   4. GET /me on all of them in interleaved rounds (rotating order; medians and the median of
 *      per-round ratios), better-auth through its get-session and through a route behind its
 *      `auth` macro; then Cobalt alone for BENCH_ME_SECONDS in 10 s slices (drift, p99); server
 *      CPU per request is recorded for every run
 *   5. GET /dashboard, GET /admin/users?search= (BENCH_ADMIN_CONNECTIONS, 16; before/after of a
 *      change on 100,000 users: bench/admin-search-ab.ts), POST /refresh (rotation chains), POST /refresh
 *      beside a /me flood (transactions on a saturated pool; then no backend may be left idle in
 *      a transaction), POST /login between two Argon2 ceiling measurements (one verifying
 *      process per core), better-auth's sign-in between two measurements of its own hash's
 *      ceiling (scrypt); Cobalt's RSS after each run, read after 2 s idle
 *   6. under attack: a second Cobalt with the default limits and TRUST_PROXY=1; one client floods
 *      sign-in with wrong passwords from one IP while an honest user signs in from other IPs
 *
 * Env knobs: BENCH_QUICK=1 (short runs, for trying the harness), BENCH_USERS, BENCH_CONNECTIONS,
 * BENCH_THREADS, BENCH_ME_SECONDS, BENCH_LOADGEN=wrk|autocannon, BENCH_DATABASE_URL (an admin
 * connection; default postgres://postgres@127.0.0.1:5432/postgres), BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379/13, whose "cobalt:" keys the bench deletes), BENCH_LOG_LEVEL (Cobalt's
 * LOG_LEVEL, default info as in production), BENCH_PROFILE=1 (Cobalt under --cpu-prof, written to
 * BENCH_PROFILE_DIR, default $TMPDIR/cobalt-bench-profiles; figures are then not comparable;
 * summarise with bench/profile-summary.ts), BENCH_KEEP=1 (keep the work
 * directory with the server logs), BENCH_ONLY=startup,me,pages,admin,refresh,login,attack,
 * BENCH_COBALT_DIR (measure the Cobalt in another checkout, e.g. a worktree with a candidate fix),
 * BENCH_COBALT_FLAGS (extra bun flags for Cobalt, e.g. "--smol").
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, loadavg, release, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../src/config";
import { combine, cpuPerRequest, type LoadResult, type LoadSpec, pickTool, runLoad } from "./lib/load";
import { cpuTicks, freePort, killAll, rssMb, type ServerProcess, startServer, waitIdle } from "./lib/proc";
import { BETTER_AUTH_DOMAIN, BETTER_AUTH_PREFIX, betterAuthCeiling, peerPackageVersions, ensureBetterAuthInstalled, seedBetterAuth, signInBetterAuth, startBetterAuth } from "./lib/better-auth";
import { type Contender, type MeRounds, summariseRounds } from "./lib/rounds";
import { ADMIN_USERNAME, clearRedis, createDatabase, dropDatabase, idleInTransaction, seed, USER_PREFIX, versions } from "./lib/seed";

const ROOT = resolve(import.meta.dir, "..");
/** The Cobalt checkout to measure (default this one): lets a candidate fix in another worktree be measured by the same harness. */
const COBALT_DIR = resolve(process.env.BENCH_COBALT_DIR ?? ROOT);
const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const QUICK = env.BENCH_QUICK === "1";
const PROFILE = env.BENCH_PROFILE === "1";
const PROFILE_DIR = env.BENCH_PROFILE_DIR ?? join(tmpdir(), "cobalt-bench-profiles");
const ONLY = new Set((env.BENCH_ONLY ?? "startup,me,pages,admin,refresh,login,attack").split(",").map((s) => s.trim()));

const S = {
  users: num("BENCH_USERS", 100_000),
  adminConnections: num("BENCH_ADMIN_CONNECTIONS", 16),
  connections: num("BENCH_CONNECTIONS", 64),
  threads: num("BENCH_THREADS", 2),
  meSeconds: num("BENCH_ME_SECONDS", QUICK ? 10 : 60),
  slice: QUICK ? 5 : 10,
  rounds: 3,
  round: QUICK ? 2 : 5,
  short: QUICK ? 3 : 10,
  login: QUICK ? 5 : 10,
  ceiling: QUICK ? 2 : 5,
  warmup: QUICK ? 1 : 3,
  attack: QUICK ? 5 : 8,
  mixed: QUICK ? 3 : 5,
  betterAuthUsers: num("BENCH_BETTER_AUTH_USERS", QUICK ? 50 : 200),
};
/**
 * Every server's database pool, Cobalt's included (DATABASE_POOL_SIZE): one size for all, Cobalt's
 * default. Eight servers at 20 need Postgres's max_connections above its default of 100 (lower
 * BENCH_POOL_SIZE where it cannot be raised).
 */
const POOL_SIZE = num("BENCH_POOL_SIZE", 20);
const PG_ADMIN_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/13";
const PASSWORD = "bench-Pa55word-Cobalt-7f3a";
const JWT_SECRET = randomBytes(48).toString("base64url");
const ENCRYPTION_KEY = randomBytes(32).toString("base64url");
const ARGON2 = loadConfig({ ARGON2_MEMORY_KIB: env.ARGON2_MEMORY_KIB, ARGON2_TIME_COST: env.ARGON2_TIME_COST }).argon2;
const DB_NAME = `cobalt_bench_${Date.now().toString(36)}_${process.pid}`;
const WORK = mkdtempSync(join(tmpdir(), "cobalt-bench-"));
const RATE_LIMITS_OFF = Object.fromEntries(
  ["LOGIN", "LOGIN_ACCOUNT", "REGISTER", "REFRESH", "EMAIL", "API"].map((name) => [`RATE_LIMIT_${name}`, "off"]),
);

const runStarted = performance.now();
const log = (message: string) => console.log(`[${((performance.now() - runStarted) / 1000).toFixed(1).padStart(5)} s] ${message}`);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const tool = pickTool();

/** A server process's environment: only what we set (plus PATH/HOME), never the caller's DATABASE_URL or limits. */
function cobaltEnv(port: number, extra: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    PATH: env.PATH,
    HOME: env.HOME,
    LANG: env.LANG,
    NODE_ENV: "production",
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    JWT_SECRET,
    // HS256 unless a run asks for EdDSA: the bare peers check HS256.
    JWT_ALG: "HS256",
    ENCRYPTION_KEY,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    LOG_LEVEL: env.BENCH_LOG_LEVEL ?? "info",
    LOG_FORMAT: "json",
    ARGON2_MEMORY_KIB: String(ARGON2.memoryCost),
    ARGON2_TIME_COST: String(ARGON2.timeCost),
    DATA_DIR: join(WORK, "data-postgres-mode"),
    ...extra,
  };
}

const cobaltCmd = (profile = false) => [
  process.execPath,
  "--no-env-file",
  ...(env.BENCH_COBALT_FLAGS ?? "").split(" ").filter(Boolean),
  ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : []),
  "src/index.ts",
];

async function startCobalt(name: string, extra: Record<string, string | undefined>, options: { profile?: boolean; logFile?: string | null } = {}): Promise<ServerProcess> {
  const port = await freePort();
  return startServer({
    name,
    cmd: cobaltCmd(options.profile),
    env: cobaltEnv(port, extra),
    port,
    cwd: COBALT_DIR,
    logFile: options.logFile === undefined ? join(WORK, `${name.replace(/\W+/g, "_")}.log`) : options.logFile,
    timeoutMs: 120_000,
  });
}

async function json<T = Record<string, unknown>>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T; headers: Headers; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { redirect: "manual", ...init });
  const text = await response.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body: body as T, headers: response.headers, ms };
}

async function signIn(base: string, username: string, password = PASSWORD, headers: Record<string, string> = {}) {
  const response = await json<{ access_token?: string; code?: string }>(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ username_or_email: username, password }),
  });
  return { ...response, accessToken: response.body.access_token };
}

/** Cobalt's /metrics: requests by route and status, to cross-check a run's non-2xx answers. */
async function requestCounts(base: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const text = await (await fetch(`${base}/metrics`)).text();
  for (const line of text.split("\n")) {
    if (!line.startsWith("cobalt_http_requests_total{")) continue;
    const route = /route="([^"]*)"/.exec(line)?.[1];
    const status = /status="([^"]*)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (route && status) counts.set(`${route} ${status}`, value);
  }
  return counts;
}

function non2xxSince(before: Map<string, number>, after: Map<string, number>, route: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, value] of after) {
    const [r, status] = key.split(" ");
    if (r !== route || status!.startsWith("2")) continue;
    const delta = value - (before.get(key) ?? 0);
    if (delta > 0) result[status!] = delta;
  }
  return result;
}

async function argon2Ceiling(hash: string, seconds: number): Promise<{ hashesPerSecond: number; cpuSecondsPerHash: number; processes: number; seconds: number }> {
  const processes = cpus().length;
  const workers = Array.from({ length: processes }, () =>
    Bun.spawn([process.execPath, "--no-env-file", join(import.meta.dir, "argon2-ceiling.ts")], {
      env: { PATH: env.PATH, BENCH_HASH: hash, BENCH_PASSWORD: PASSWORD, BENCH_SECONDS: String(seconds) },
      stdout: "pipe",
      stderr: "inherit",
    }),
  );
  const outputs = await Promise.all(workers.map(async (worker) => JSON.parse(await new Response(worker.stdout).text()) as { verifications: number; seconds: number; cpuSeconds: number }));
  const verifications = outputs.reduce((sum, out) => sum + out.verifications, 0);
  return {
    hashesPerSecond: outputs.reduce((sum, out) => sum + out.verifications / out.seconds, 0),
    cpuSecondsPerHash: outputs.reduce((sum, out) => sum + out.cpuSeconds, 0) / Math.max(1, verifications),
    processes,
    seconds,
  };
}

function spec(label: string, url: string, seconds: number, extra: Partial<LoadSpec> = {}): LoadSpec {
  return { label, url, seconds, connections: S.connections, threads: S.threads, ...extra };
}

/** One load run; with the server given, its CPU time during the run is recorded too. */
async function load(loadSpec: LoadSpec, server?: ServerProcess): Promise<LoadResult> {
  const before = server ? cpuTicks(server.pid) : null;
  const result = await runLoad(tool, loadSpec, WORK);
  const after = server ? cpuTicks(server.pid) : null;
  if (before !== null && after !== null) result.serverCpuSeconds = (after - before) / 100;
  const cpu = cpuPerRequest(result);
  log(
    `${loadSpec.label.padEnd(34)} ${round(result.rps).toString().padStart(8)} req/s  p50 ${round(result.p50Ms, 2)} ms  p99 ${round(result.p99Ms, 2)} ms  errors ${result.errors.total}` +
      (cpu !== null ? `  server CPU ${Math.round(cpu)} us/req` : "") +
      (result.statuses ? `  statuses ${JSON.stringify(result.statuses)}` : ""),
  );
  return result;
}

function machine() {
  const text = (cmd: string[]) => {
    try {
      const out = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
      return (out.stdout.toString() + out.stderr.toString()).split("\n")[0]!.trim();
    } catch {
      return null;
    }
  };
  return {
    hostname: hostname(),
    cpu: cpus()[0]?.model ?? "?",
    cores: cpus().length,
    memory_gib: round(totalmem() / 2 ** 30, 1),
    kernel: release(),
    bun: Bun.version,
    node: Bun.which("node") ? text(["node", "--version"]) : null,
    load_generator: tool === "wrk" ? text(["wrk", "-v"]) : "autocannon (npm)",
    loadavg_start: loadavg().map((v) => round(v, 2)),
  };
}

// ---------------------------------------------------------------------------------------------

interface Row {
  target: string;
  rps: number | null;
  p50: number | null;
  p99: number | null;
  errors: number | null;
  cpu: number | null;
  rss: number | null;
  note: string;
}

const results: Record<string, unknown> = {};
const rows: Row[] = [];
const row = (target: string, result: LoadResult | null, rss: number | null | undefined, note = ""): Row => {
  const r: Row = {
    target,
    rps: result ? round(result.rps) : null,
    p50: result ? round(result.p50Ms, 2) : null,
    p99: result ? round(result.p99Ms, 2) : null,
    errors: result ? result.errors.total : null,
    cpu: result ? (cpuPerRequest(result) === null ? null : Math.round(cpuPerRequest(result)!)) : null,
    rss: rss ?? null,
    note,
  };
  rows.push(r);
  return r;
};
const view = (result: LoadResult) => ({
  rps: round(result.rps),
  requests: result.requests,
  seconds: round(result.seconds, 2),
  p50_ms: round(result.p50Ms, 2),
  p90_ms: round(result.p90Ms, 2),
  p99_ms: round(result.p99Ms, 2),
  max_ms: round(result.maxMs, 2),
  errors: result.errors,
  server_cpu_us_per_request: cpuPerRequest(result) === null ? null : Math.round(cpuPerRequest(result)!),
  ...(result.statuses ? { statuses: result.statuses } : {}),
});

let databaseCreated = false;
let betterAuthDbCreated = false;
const servers: ServerProcess[] = [];
let cleaned = false;

async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await Promise.all(servers.map((server) => server.stop().catch(() => {})));
  killAll();
  if (databaseCreated) await dropDatabase(PG_ADMIN_URL, DB_NAME).catch((error) => console.error(`could not drop ${DB_NAME}: ${error}`));
  if (betterAuthDbCreated) await dropDatabase(PG_ADMIN_URL, `${DB_NAME}_ba`).catch((error) => console.error(`could not drop ${DB_NAME}_ba: ${error}`));
  await clearRedis(REDIS_URL).catch(() => {});
  if (env.BENCH_KEEP === "1") console.log(`kept ${WORK} (server logs, wrk scripts)`);
  else rmSync(WORK, { recursive: true, force: true });
}

process.on("SIGINT", () => {
  console.error("\ninterrupted: cleaning up");
  void cleanup().finally(() => process.exit(130));
});

async function main(): Promise<void> {
  log(`Cobalt benchmark: ${tool}, ${S.connections} connections, ${S.threads} load threads, ${S.users} users${QUICK ? " (QUICK)" : ""}${PROFILE ? " (PROFILE: figures not comparable)" : ""}`);
  if (tool === "autocannon") log("wrk not found: falling back to autocannon (apt-get install -y wrk for the reference figures)");
  const info = { ...machine(), ...(await versions(PG_ADMIN_URL, REDIS_URL)) };
  results.machine = info;
  results.date = new Date().toISOString();
  results.settings = { ...S, cobalt_dir: COBALT_DIR, cobalt_bun_flags: env.BENCH_COBALT_FLAGS ?? "", argon2: ARGON2, redis_url: REDIS_URL, log_level: env.BENCH_LOG_LEVEL ?? "info", quick: QUICK, profile: PROFILE };
  await clearRedis(REDIS_URL);

  // One Argon2id hash at the configured cost for every seeded user (a sign-in verifies against it).
  const hashStarted = performance.now();
  const passwordHash = await Bun.password.hash(PASSWORD, { algorithm: "argon2id", memoryCost: ARGON2.memoryCost, timeCost: ARGON2.timeCost });
  log(`Argon2id hash at m=${ARGON2.memoryCost} KiB, t=${ARGON2.timeCost}: ${round(performance.now() - hashStarted)} ms`);

  // 1. Start-up to the first /health answer.
  const startup: Record<string, { ms: number; status: number } | null> = { embedded_fresh: null, embedded_existing: null, postgres_fresh: null, postgres_existing: null };
  if (ONLY.has("startup")) {
    const dataDir = join(WORK, "embedded-data");
    for (const key of ["embedded_fresh", "embedded_existing"] as const) {
      const server = await startCobalt(`cobalt ${key}`, { DATA_DIR: dataDir });
      startup[key] = { ms: round(server.startupMs), status: server.firstStatus };
      await server.stop();
      log(`start-up ${key.replace("_", ", ")} DATA_DIR: ${startup[key]!.ms} ms (first /health ${server.firstStatus})`);
    }
  }
  const databaseUrl = await createDatabase(PG_ADMIN_URL, DB_NAME);
  databaseCreated = true;
  {
    // The first start on an empty database applies the migrations, which the seed needs.
    const server = await startCobalt("cobalt postgres fresh", { DATABASE_URL: databaseUrl, REDIS_URL, ...RATE_LIMITS_OFF });
    startup.postgres_fresh = { ms: round(server.startupMs), status: server.firstStatus };
    await server.stop();
    log(`start-up on Postgres + Redis, empty database (migrations): ${startup.postgres_fresh.ms} ms`);
  }

  // 2. Seed.
  // Refresh chains need one fresh session per connection per run: warm-up, run, mixed run.
  const half = S.connections * 2;
  const mixedConnections = 16;
  const refreshPool = half * 2 + mixedConnections * 2;
  const seeded = await seed(databaseUrl, { users: S.users, passwordHash, refreshPool });
  log(`seeded ${seeded.users} users and ${refreshPool} sessions by SQL in ${round(seeded.seconds, 2)} s`);
  const warmTokens = join(WORK, "refresh-warm.txt");
  const runTokens = join(WORK, "refresh-run.txt");
  const mixedTokens = join(WORK, "refresh-mixed.txt");
  writeFileSync(warmTokens, seeded.refreshTokens.slice(0, half).join("\n"));
  writeFileSync(runTokens, seeded.refreshTokens.slice(half, half * 2).join("\n"));
  writeFileSync(mixedTokens, seeded.refreshTokens.slice(half * 2).join("\n"));

  // 3. The three servers.
  // The request log (one line a request) is discarded unless BENCH_KEEP=1 asks to keep it.
  const cobalt = await startCobalt("cobalt", { DATABASE_URL: databaseUrl, REDIS_URL, ...RATE_LIMITS_OFF }, { profile: PROFILE, logFile: env.BENCH_KEEP === "1" ? undefined : null });
  servers.push(cobalt);
  startup.postgres_existing = { ms: round(cobalt.startupMs), status: cobalt.firstStatus };
  log(`start-up on Postgres + Redis, migrated database: ${startup.postgres_existing.ms} ms`);
  results.startup_ms = startup;

  // The peers. The reference on Cobalt's own drivers (Bun.SQL + redis), the same on postgres.js
  // (informational), Express + jsonwebtoken with a KeyObject under Node, and better-auth on Bun +
  // Elysia + pg on its own database, seeded and signed in through its own API.
  const startReference = async (name: string, driver: string) => {
    const port = await freePort();
    return startServer({
      name,
      cmd: [process.execPath, "--no-env-file", join(import.meta.dir, "reference.ts")],
      env: { PATH: env.PATH, PORT: String(port), DATABASE_URL: databaseUrl, REDIS_URL, JWT_SECRET, DATABASE_POOL_SIZE: String(POOL_SIZE), REFERENCE_DRIVER: driver },
      port,
      cwd: ROOT,
      logFile: join(WORK, `${name.replace(/\W+/g, "_")}.log`),
    });
  };
  const reference = await startReference("reference", "bun-sql");
  servers.push(reference);
  const referencePg = await startReference("reference postgres.js", "postgres-js");
  servers.push(referencePg);
  let express: ServerProcess | null = null;
  if (Bun.which("node")) {
    const expressPort = await freePort();
    express = await startServer({
      name: "express",
      cmd: ["node", join(import.meta.dir, "express-reference.mjs")],
      env: { PATH: env.PATH, PORT: String(expressPort), DATABASE_URL: databaseUrl, REDIS_URL, JWT_SECRET, DATABASE_POOL_SIZE: String(POOL_SIZE), NODE_ENV: "production" },
      port: expressPort,
      cwd: ROOT,
      logFile: join(WORK, "express.log"),
    });
    servers.push(express);
  } else {
    log("node not found: the Express reference is skipped");
  }
  await ensureBetterAuthInstalled();
  const betterAuthDb = await createDatabase(PG_ADMIN_URL, `${DB_NAME}_ba`);
  betterAuthDbCreated = true;
  const betterAuth = await startBetterAuth({ name: "better-auth", databaseUrl: betterAuthDb, rateLimit: false, logFile: join(WORK, "better-auth.log"), poolSize: POOL_SIZE });
  servers.push(betterAuth);
  const betterAuthSeconds = await seedBetterAuth(betterAuth.url, S.betterAuthUsers, PASSWORD);
  const peerVersions = await peerPackageVersions();
  results.peers = peerVersions;
  log(`better-auth ${peerVersions.better_auth}: ${S.betterAuthUsers} users signed up through its API in ${round(betterAuthSeconds, 1)} s`);
  const betterAuthCookie = await signInBetterAuth(betterAuth.url, 1, PASSWORD);

  // Real tokens from real sign-ins through the API.
  const [admin, meUser, pageUser] = await Promise.all([signIn(cobalt.url, ADMIN_USERNAME), signIn(cobalt.url, `${USER_PREFIX}9001`), signIn(cobalt.url, `${USER_PREFIX}9002`)]);
  for (const [name, response] of [["admin", admin], ["user", meUser], ["page user", pageUser]] as const) {
    if (response.status !== 200 || !response.accessToken) throw new Error(`sign-in of the ${name} failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  const bearer = { authorization: `Bearer ${meUser.accessToken}` };
  // Cobalt with EdDSA access tokens (the default since §10): with the verified-token cache (a
  // client repeating its token hits it) and without (every request verifies Ed25519).
  const eddsaHit = await startCobalt("cobalt eddsa", { DATABASE_URL: databaseUrl, REDIS_URL, ...RATE_LIMITS_OFF, JWT_ALG: "EdDSA" }, { logFile: null });
  servers.push(eddsaHit);
  const eddsaMiss = await startCobalt("cobalt eddsa no cache", { DATABASE_URL: databaseUrl, REDIS_URL, ...RATE_LIMITS_OFF, JWT_ALG: "EdDSA", JWT_VERIFY_CACHE_SIZE: "0" }, { logFile: null });
  servers.push(eddsaMiss);
  const eddsaUser = await signIn(eddsaHit.url, `${USER_PREFIX}9003`);
  if (eddsaUser.status !== 200 || !eddsaUser.accessToken) throw new Error(`EdDSA sign-in failed: ${eddsaUser.status}`);
  const eddsaBearer = { authorization: `Bearer ${eddsaUser.accessToken}` };
  const meUrl = (server: ServerProcess) => `${server.url}/api/v1/auth/me`;

  // The bare peers answer the same /me body as Cobalt for the same token; better-auth answers its own.
  const probes = await Promise.all([cobalt, reference, referencePg, ...(express ? [express] : [])].map((server) => json(meUrl(server), { headers: bearer })));
  for (const [i, probe] of probes.entries()) {
    if (probe.status !== 200) throw new Error(`/me probe on server ${i} answered ${probe.status}: ${JSON.stringify(probe.body)}`);
    if (JSON.stringify(probe.body) !== JSON.stringify(probes[0]!.body)) throw new Error(`/me bodies differ: ${JSON.stringify(probe.body)} vs ${JSON.stringify(probes[0]!.body)}`);
  }
  const betterAuthHeaders = { cookie: betterAuthCookie };
  for (const path of ["/api/auth/get-session", "/me"]) {
    const probe = await json<{ user?: { email?: string }; email?: string }>(`${betterAuth.url}${path}`, { headers: betterAuthHeaders });
    const email = probe.body.user?.email ?? probe.body.email;
    if (probe.status !== 200 || email !== `${BETTER_AUTH_PREFIX}1${BETTER_AUTH_DOMAIN}`) throw new Error(`better-auth ${path} probe answered ${probe.status}: ${JSON.stringify(probe.body)}`);
  }
  log(`signed in through each one's API; /me answers the same body on the ${probes.length} bare peers and Cobalt; better-auth's get-session and macro route answer its user`);

  const rss: Record<string, number | null> = {};
  // RSS right after a run still holds that run's garbage; the figure that counts is read after
  // 2 s idle (retained memory). Both are kept.
  const cobaltRss = (key: string): number | null => (rss[`cobalt_${key}_immediate`] = rssMb(cobalt.pid));
  const settledRss = async (key: string): Promise<number | null> => {
    cobaltRss(key);
    await Bun.sleep(2000);
    return (rss[`cobalt_${key}`] = rssMb(cobalt.pid));
  };
  const runs: Record<string, unknown> = {};
  results.runs = runs;
  const metricsBefore = await requestCounts(cobalt.url);
  cobaltRss("idle_after_start");

  // 4. /me. The ratios come from interleaved rounds (reference, Cobalt, Express in rotating
  // order, equal lengths), so whatever else the machine does hits all three alike; then Cobalt
  // alone for S.meSeconds without a pause, in slices, to show whether it drifts.
  let me: LoadResult | null = null;
  let meRatio: LoadResult | null = null;
  let refMe: LoadResult | null = null;
  let expressMe: LoadResult | null = null;
  let slices: LoadResult[] = [];
  let meRounds: MeRounds | null = null;
  if (ONLY.has("me")) {
    const contenders: Contender[] = [
      { key: "reference", label: "reference (Bun.serve + Bun.SQL + redis)", server: reference, url: meUrl(reference), headers: bearer },
      { key: "cobalt", label: "Cobalt", server: cobalt, url: meUrl(cobalt), headers: bearer },
      { key: "cobalt_eddsa_cache_hit", label: "Cobalt, EdDSA token, cache hit", server: eddsaHit, url: meUrl(eddsaHit), headers: eddsaBearer },
      { key: "cobalt_eddsa_cache_miss", label: "Cobalt, EdDSA token, no cache", server: eddsaMiss, url: meUrl(eddsaMiss), headers: eddsaBearer },
      { key: "reference_postgresjs", label: "reference on postgres.js", server: referencePg, url: meUrl(referencePg), headers: bearer },
      ...(express ? [{ key: "express", label: "Express 5 + jsonwebtoken (KeyObject)", server: express, url: meUrl(express), headers: bearer }] : []),
      { key: "better_auth_get_session", label: "better-auth get-session", server: betterAuth, url: `${betterAuth.url}/api/auth/get-session`, headers: betterAuthHeaders },
      { key: "better_auth_macro", label: "better-auth auth-macro route", server: betterAuth, url: `${betterAuth.url}/me`, headers: betterAuthHeaders },
    ];
    for (const c of contenders) await load(spec(`warm-up ${c.key}`, c.url, S.warmup, { headers: c.headers }), c.server);
    const perServer = new Map<string, LoadResult[]>(contenders.map((c) => [c.key, []]));
    for (let round = 0; round < S.rounds; round++) {
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
      for (const c of order) perServer.get(c.key)!.push(await load(spec(`${c.key} /me (round ${round + 1})`, c.url, S.round, { headers: c.headers, countStatuses: true }), c.server));
    }
    meRounds = summariseRounds(contenders, perServer);
    for (let i = 0; i < Math.round(S.meSeconds / S.slice); i++) slices.push(await load(spec(`cobalt /me ${S.meSeconds} s, slice ${i + 1}`, meUrl(cobalt), S.slice, { headers: bearer }), cobalt));
    me = slices.length > 0 ? combine("cobalt /me", slices) : null;
    meRatio = combine("cobalt /me (interleaved)", perServer.get("cobalt")!);
    refMe = combine("reference /me", perServer.get("reference")!);
    expressMe = express ? combine("express /me", perServer.get("express")!) : null;
    await settledRss("after_me");
    rss.reference_after_me = rssMb(reference.pid);
    rss.reference_postgresjs_after_me = rssMb(referencePg.pid);
    rss.express_after_me = express ? rssMb(express.pid) : null;
    rss.better_auth_after_me = rssMb(betterAuth.pid);
    const sliceRps = slices.map((slice) => round(slice.rps));
    if (me) {
      runs.me_sustained = {
        ...view(me),
        slices_rps: sliceRps,
        slices_p99_ms: slices.map((slice) => round(slice.p99Ms, 2)),
        slices_server_cpu_us_per_request: slices.map((slice) => (cpuPerRequest(slice) === null ? null : Math.round(cpuPerRequest(slice)!))),
      };
      row(`GET /me, Cobalt, ${S.meSeconds} s sustained`, me, rss.cobalt_after_me, `slices ${sliceRps.join(" / ")}`);
    }
    runs.me_interleaved = meRounds.byKey;
    const note = `median of ${S.rounds} x ${S.round} s interleaved`;
    for (const c of contenders) {
      const m = meRounds.byKey[c.key]!;
      rows.push({ target: `GET /me, ${c.label}`, rps: m.median_rps, p50: m.median_p50_ms, p99: m.median_p99_ms, errors: m.errors, cpu: m.median_server_cpu_us_per_request, rss: null, note });
    }
  }

  // 5. The other targets.
  let login: LoadResult | null = null;
  let betterAuthLogin: LoadResult | null = null;
  let betterAuthCeilingMean: number | null = null;
  let ceiling: { before: number; after: number; mean: number; cpuMsPerHash: number } | null = null;
  if (ONLY.has("pages")) {
    const pageHeaders = { cookie: `access_token=${pageUser.accessToken}`, accept: "text/html" };
    const dashboardProbe = await json(`${cobalt.url}/dashboard`, { headers: pageHeaders });
    if (dashboardProbe.status === 404) {
      runs.dashboard = { skipped: "GET /dashboard answers 404 in this build" };
      row("GET /dashboard", null, null, "skipped: no such page in this build");
    } else if (dashboardProbe.status !== 200) {
      runs.dashboard = { skipped: `probe answered ${dashboardProbe.status}` };
      row("GET /dashboard", null, null, `skipped: probe answered ${dashboardProbe.status}`);
    } else {
      await load(spec("warm-up /dashboard", `${cobalt.url}/dashboard`, S.warmup, { headers: pageHeaders }));
      const result = await load(spec("cobalt /dashboard", `${cobalt.url}/dashboard`, S.short, { headers: pageHeaders, countStatuses: true }), cobalt);
      runs.dashboard = { ...view(result), page_bytes: String(dashboardProbe.body).length };
      row("GET /dashboard (rendered page)", result, await settledRss("after_dashboard"), `${String(dashboardProbe.body).length} B page`);
    }
  }

  if (ONLY.has("admin")) {
    const adminUrl = `${cobalt.url}/api/v1/admin/users?search=user_42&per_page=20`;
    const adminHeaders = { authorization: `Bearer ${admin.accessToken}` };
    const adminProbe = await json<{ total?: number }>(adminUrl, { headers: adminHeaders });
    if (adminProbe.status !== 200) throw new Error(`admin search probe answered ${adminProbe.status}: ${JSON.stringify(adminProbe.body)}`);
    await load(spec("warm-up admin search", adminUrl, S.warmup, { headers: adminHeaders, connections: S.adminConnections, threads: 1 }));
    const result = await load(spec("cobalt admin search", adminUrl, S.short, { headers: adminHeaders, countStatuses: true, connections: S.adminConnections, threads: 1 }), cobalt);
    // Informational: the unfiltered first page, whose total is the estimate.
    const listUrl = `${cobalt.url}/api/v1/admin/users?per_page=20`;
    const listProbe = await json<{ total?: number; total_exact?: boolean }>(listUrl, { headers: adminHeaders });
    const listed = await load(spec("cobalt admin list (no filter)", listUrl, S.short, { headers: adminHeaders, countStatuses: true, connections: S.adminConnections, threads: 1 }), cobalt);
    runs.admin_search = { ...view(result), connections: S.adminConnections, query: "search=user_42&per_page=20", matches: adminProbe.body.total, total_exact: (adminProbe.body as { total_exact?: boolean }).total_exact ?? null };
    runs.admin_list = { ...view(listed), connections: S.adminConnections, query: "per_page=20", total: listProbe.body.total, total_exact: listProbe.body.total_exact ?? null };
    row(`GET /api/v1/admin/users?search= (${S.adminConnections} conns)`, result, await settledRss("after_admin_search"), `${adminProbe.body.total} matches of ${seeded.users}`);
    row(`GET /api/v1/admin/users (${S.adminConnections} conns)`, listed, null, `total ${listProbe.body.total} (exact: ${listProbe.body.total_exact})`);
  }

  if (ONLY.has("refresh")) {
    const url = `${cobalt.url}/api/v1/auth/refresh`;
    await load(spec("warm-up /refresh", url, S.warmup, { dynamic: { kind: "refresh", tokensFile: warmTokens } }));
    const result = await load(spec("cobalt /refresh", url, S.short, { dynamic: { kind: "refresh", tokensFile: runTokens } }), cobalt);
    runs.refresh = { ...view(result), sessions: half, how: "each connection presents the refresh token its previous refresh answered (rotation chains over seeded sessions); every request rotates" };
    row("POST /api/v1/auth/refresh", result, await settledRss("after_refresh"), `rotation chains over ${half} sessions`);

    // Mixed traffic: refreshes (each a transaction) while /me keeps every pooled connection busy.
    // Transactions must still succeed, and no pooled connection may be left inside a transaction.
    const [mixedMe, mixedRefresh] = await Promise.all([
      load(spec("mixed: /me", meUrl(cobalt), S.mixed, { headers: bearer })),
      load(spec("mixed: /refresh", url, S.mixed, { connections: mixedConnections, threads: 1, dynamic: { kind: "refresh", tokensFile: mixedTokens } })),
    ]);
    await Bun.sleep(1000);
    const stuck = await idleInTransaction(PG_ADMIN_URL, DB_NAME);
    runs.mixed = { me: view(mixedMe), refresh: view(mixedRefresh), connections_left_idle_in_transaction: stuck };
    row("POST /refresh under /me load", mixedRefresh, null, `${mixedConnections} conns beside 64 on /me (${round(mixedMe.rps)} req/s, ${mixedMe.errors.total} errors); idle-in-transaction left: ${stuck}`);
    rows.push({ ...rows[rows.length - 1]!, target: "  GET /me beside it", rps: round(mixedMe.rps), p50: round(mixedMe.p50Ms, 2), p99: round(mixedMe.p99Ms, 2), errors: mixedMe.errors.total, cpu: null, note: "" });
  }

  if (ONLY.has("login")) {
    const url = `${cobalt.url}/api/v1/auth/login`;
    const before = await argon2Ceiling(passwordHash, S.ceiling);
    log(`Argon2 ceiling (before): ${round(before.hashesPerSecond, 2)} verifications/s on ${before.processes} cores`);
    const loginSpec = spec("cobalt /login", url, S.login, {
      timeoutSeconds: 60,
      dynamic: { kind: "login", prefix: USER_PREFIX, first: 1, count: S.users, password: PASSWORD },
    });
    login = await load(loginSpec, cobalt);
    const drainMs = await waitIdle(cobalt.pid);
    log(`server idle again ${round(drainMs / 1000, 1)} s after the login run (queued sign-ins finishing)`);
    const after = await argon2Ceiling(passwordHash, S.ceiling);
    log(`Argon2 ceiling (after): ${round(after.hashesPerSecond, 2)} verifications/s`);
    ceiling = {
      before: round(before.hashesPerSecond, 2),
      after: round(after.hashesPerSecond, 2),
      mean: round((before.hashesPerSecond + after.hashesPerSecond) / 2, 2),
      cpuMsPerHash: round(((before.cpuSecondsPerHash + after.cpuSecondsPerHash) / 2) * 1000, 1),
    };
    await settledRss("after_login");
    runs.login = { ...view(login), drain_ms: round(drainMs) };
    results.argon2 = { memory_kib: ARGON2.memoryCost, time_cost: ARGON2.timeCost, ceiling_hashes_per_s: ceiling, processes: before.processes };
    row("POST /api/v1/auth/login", login, rss.cobalt_after_login, `Argon2 ceiling ${ceiling.mean}/s`);

    // better-auth's sign-in against its own hash's ceiling (scrypt at its default cost).
    const baUrl = `${betterAuth.url}/api/auth/sign-in/email`;
    const baBefore = await betterAuthCeiling(PASSWORD, S.ceiling);
    log(`better-auth scrypt ceiling (before): ${round(baBefore.hashesPerSecond, 2)} verifications/s`);
    betterAuthLogin = await load(
      spec("better-auth sign-in", baUrl, S.login, {
        timeoutSeconds: 60,
        dynamic: { kind: "login", prefix: BETTER_AUTH_PREFIX, first: 1, count: S.betterAuthUsers, password: PASSWORD, field: "email", suffix: BETTER_AUTH_DOMAIN },
      }),
      betterAuth,
    );
    await waitIdle(betterAuth.pid);
    const baAfter = await betterAuthCeiling(PASSWORD, S.ceiling);
    log(`better-auth scrypt ceiling (after): ${round(baAfter.hashesPerSecond, 2)} verifications/s`);
    betterAuthCeilingMean = round((baBefore.hashesPerSecond + baAfter.hashesPerSecond) / 2, 2);
    runs.better_auth_login = { ...view(betterAuthLogin), ceiling_hashes_per_s: { before: round(baBefore.hashesPerSecond, 2), after: round(baAfter.hashesPerSecond, 2), mean: betterAuthCeilingMean }, cpu_ms_per_hash: round(((baBefore.cpuSecondsPerHash + baAfter.cpuSecondsPerHash) / 2) * 1000, 1) };
    row("better-auth POST sign-in/email", betterAuthLogin, null, `scrypt ceiling ${betterAuthCeilingMean}/s`);
  }

  const metricsAfter = await requestCounts(cobalt.url);
  const serverNon2xx = {
    me: non2xxSince(metricsBefore, metricsAfter, "/api/v1/auth/me"),
    refresh: non2xxSince(metricsBefore, metricsAfter, "/api/v1/auth/refresh"),
    login: non2xxSince(metricsBefore, metricsAfter, "/api/v1/auth/login"),
    admin_users: non2xxSince(metricsBefore, metricsAfter, "/api/v1/admin/users"),
  };
  results.server_non2xx = serverNon2xx;
  await settledRss("end");
  rss.reference_end = rssMb(reference.pid);
  rss.express_end = express ? rssMb(express.pid) : null;
  rss.better_auth_end = rssMb(betterAuth.pid);
  results.rss_mb = rss;
  for (const server of [...servers]) await server.stop();
  servers.length = 0;

  // 6. Under attack: the default limits, client IPs from X-Forwarded-For.
  if (ONLY.has("attack")) {
    await clearRedis(REDIS_URL);
    const guarded = await startCobalt("cobalt under attack", { DATABASE_URL: databaseUrl, REDIS_URL, TRUST_PROXY: "1" });
    servers.push(guarded);
    const url = `${guarded.url}/api/v1/auth/login`;
    const honestUser = `${USER_PREFIX}77`;
    const calm = await signIn(guarded.url, honestUser, PASSWORD, { "x-forwarded-for": "198.51.100.6" });
    log(`honest sign-in with no attack: ${calm.status} in ${round(calm.ms)} ms`);
    // A flood of wrong passwords over many accounts (never the honest user's) while the honest
    // user signs in, each time from an IP of its own, at fixed moments into the flood.
    type Honest = { at_ms: number; status: number; ms: number };
    let nextHonestIp = 7;
    const floodWithHonest = async (label: string, dynamic: Extract<LoadSpec["dynamic"], { kind: "login" }>, connections = S.connections) => {
      const flood = load(spec(label, url, S.attack, { threads: 1, connections, timeoutSeconds: 30, dynamic }), guarded);
      const honest: Honest[] = [];
      const floodStarted = performance.now();
      for (const at of [250, 1000, 2000, 3500, 5000, 7000].filter((ms) => ms < S.attack * 1000 - 500)) {
        await Bun.sleep(Math.max(0, at - (performance.now() - floodStarted)));
        const response = await signIn(guarded.url, honestUser, PASSWORD, { "x-forwarded-for": `198.51.100.${nextHonestIp++}` });
        honest.push({ at_ms: at, status: response.status, ms: round(response.ms) });
        log(`${label}: honest sign-in ${at} ms in: ${response.status} in ${round(response.ms)} ms`);
      }
      const result = await flood;
      await waitIdle(guarded.pid, 30_000);
      return { flood: result, honest, worst: Math.max(...honest.map((h) => h.ms)), ok: honest.every((h) => h.status === 200) };
    };
    // One client (one load thread, 64 connections) from one IP.
    const oneIp = await floodWithHonest("attack flood (1 IP)", { kind: "login", prefix: USER_PREFIX, first: 1000, count: 5000, password: "wrong-password-123", headers: { "X-Forwarded-For": "203.0.113.66" } });
    // 200 IPs, each within its per-IP sign-in limit (RATE_LIMIT_LOGIN 10/60): together ~2,000
    // Argon2 verifications at once, far beyond what the cores do in the flood's seconds.
    const manyIps = await floodWithHonest(
      "attack flood (200 IPs)",
      { kind: "login", prefix: USER_PREFIX, first: 6001, count: 3000, password: "wrong-password-123", ips: 200, ipPrefix: "10.77" },
      200,
    );

    // Informational: the same attacker aims at one account; its per-account backoff then also
    // refuses the rightful owner (the lock-out trade-off in docs/architecture.md, "Rate limits").
    const target = `${USER_PREFIX}88`;
    const targeted = await load(
      spec("attack on one account", url, QUICK ? 2 : 3, {
        connections: 8,
        threads: 1,
        timeoutSeconds: 30,
        dynamic: { kind: "login", prefix: USER_PREFIX, first: 88, count: 1, password: "wrong-password-123", headers: { "X-Forwarded-For": "203.0.113.99" } },
      }),
    );
    await waitIdle(guarded.pid, 15_000);
    const owner = await signIn(guarded.url, target, PASSWORD, { "x-forwarded-for": "198.51.100.88" });
    log(`owner of the attacked account signs in from another IP: ${owner.status} in ${round(owner.ms)} ms`);
    results.attack = {
      honest_without_attack: { status: calm.status, ms: round(calm.ms) },
      one_ip: { flood: view(oneIp.flood), honest_sign_ins: oneIp.honest, honest_worst_ms: oneIp.worst, honest_all_succeeded: oneIp.ok },
      many_ips: { ips: 200, flood: view(manyIps.flood), honest_sign_ins: manyIps.honest, honest_worst_ms: manyIps.worst, honest_all_succeeded: manyIps.ok },
      rss_mb: rssMb(guarded.pid),
      targeted_account: { flood: view(targeted), owner_status: owner.status, owner_ms: round(owner.ms), owner_code: (owner.body as { code?: string }).code ?? null },
    };
    for (const [name, run] of [["1 IP", oneIp], ["200 IPs", manyIps]] as const) {
      row(`under attack (${name}): honest sign-in`, null, null, `worst ${run.worst} ms; statuses ${run.honest.map((h) => h.status).join(",")}; flood ${round(run.flood.rps)} req/s ${JSON.stringify(run.flood.statuses)}`);
    }
    await guarded.stop();
    servers.length = 0;
  }

  // Ratios and targets.
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? round(a / b, 3) : null);
  // Drift shows as a growing cost per request (postgres.js's pipelining trap grows a queue that
  // each query scans); req/s per slice also moves with whatever else the shared machine runs.
  const sliceRps = slices.map((slice) => slice.rps);
  const sliceCpu = slices.map((slice) => cpuPerRequest(slice)).filter((cpu): cpu is number => cpu !== null);
  const drift = sliceRps.length > 1 ? round(sliceRps[sliceRps.length - 1]! / sliceRps[0]!, 3) : null;
  const spread = sliceRps.length > 1 ? round(Math.min(...sliceRps) / Math.max(...sliceRps), 3) : null;
  const cpuDrift = sliceCpu.length > 1 ? round(sliceCpu[sliceCpu.length - 1]! / sliceCpu[0]!, 3) : null;
  const cpuRef = refMe ? cpuPerRequest(refMe) : null;
  const cpuMe = meRatio ? cpuPerRequest(meRatio) : null;
  // /me ratios: the median over rounds of the two req/s (or p99) measured in the same round.
  const ratios = {
    me_vs_reference: meRounds?.ratio("cobalt", "reference") ?? null,
    me_eddsa_cache_hit_vs_reference: meRounds?.ratio("cobalt_eddsa_cache_hit", "reference") ?? null,
    me_eddsa_cache_miss_vs_reference: meRounds?.ratio("cobalt_eddsa_cache_miss", "reference") ?? null,
    me_vs_reference_postgresjs: meRounds?.ratio("cobalt", "reference_postgresjs") ?? null,
    me_vs_express: meRounds?.ratio("cobalt", "express") ?? null,
    me_vs_better_auth_get_session: meRounds?.ratio("cobalt", "better_auth_get_session") ?? null,
    me_vs_better_auth_macro_route: meRounds?.ratio("cobalt", "better_auth_macro") ?? null,
    me_p99_vs_reference_p99: meRounds?.p99Ratio("cobalt", "reference") ?? null,
    me_vs_reference_pooled_rounds: ratio(meRatio?.rps, refMe?.rps),
    me_vs_express_pooled_rounds: ratio(meRatio?.rps, expressMe?.rps),
    me_vs_reference_by_server_cpu: cpuRef && cpuMe ? round(cpuRef / cpuMe, 3) : null,
    me_sustained_vs_interleaved: ratio(me?.rps, meRatio?.rps),
    login_vs_argon2_ceiling: ratio(login?.rps, ceiling?.mean),
    better_auth_login_vs_its_scrypt_ceiling: ratio(betterAuthLogin?.rps, betterAuthCeilingMean ?? undefined),
    // CPU per hash in the ceiling over server CPU per sign-in: what share of a sign-in's CPU is the hash.
    login_vs_argon2_by_cpu: login && ceiling && cpuPerRequest(login) ? round((ceiling.cpuMsPerHash * 1000) / cpuPerRequest(login)!, 3) : null,
    me_last_slice_vs_first: drift,
    me_last_slice_cpu_per_request_vs_first: cpuDrift,
    me_min_slice_vs_max: spread,
  };
  results.ratios = ratios;
  const readings = (immediate: boolean) =>
    Object.entries(rss)
      .filter(([key, value]) => key.startsWith("cobalt_after_") && key.endsWith("_immediate") === immediate && value !== null)
      .map(([, value]) => value!);
  const cobaltPeakRss = readings(false).length > 0 ? Math.max(...readings(false)) : null;
  const cobaltPeakImmediateRss = readings(true).length > 0 ? Math.max(...readings(true)) : null;
  const stuckConnections = (runs.mixed as { connections_left_idle_in_transaction?: number } | undefined)?.connections_left_idle_in_transaction ?? null;
  type AttackRun = { honest_worst_ms: number; honest_all_succeeded: boolean };
  const attack = results.attack as { one_ip: AttackRun; many_ips: AttackRun } | undefined;
  const adminSearch = runs.admin_search as { rps: number; p50_ms: number } | undefined;
  const allErrors = rows.reduce((sum, r) => sum + (r.errors ?? 0), 0);
  const checks = [
    { target: "/me >= 0.85x the Bun.SQL reference req/s (HS256; median of per-round ratios)", value: ratios.me_vs_reference, met: ratios.me_vs_reference === null ? null : ratios.me_vs_reference >= 0.85 },
    { target: "/me with EdDSA tokens (cache hit) >= 0.85x the reference", value: ratios.me_eddsa_cache_hit_vs_reference, met: ratios.me_eddsa_cache_hit_vs_reference === null ? null : ratios.me_eddsa_cache_hit_vs_reference >= 0.85 },
    { target: "/me with EdDSA tokens (no cache: every request verifies) >= 0.85x the reference", value: ratios.me_eddsa_cache_miss_vs_reference, met: ratios.me_eddsa_cache_miss_vs_reference === null ? null : ratios.me_eddsa_cache_miss_vs_reference >= 0.85 },
    { target: "  (stretch) /me >= 1.0x the reference", value: ratios.me_vs_reference, met: ratios.me_vs_reference === null ? null : ratios.me_vs_reference >= 1 },
    { target: "/me >= 5x Express (jsonwebtoken with a KeyObject) req/s", value: ratios.me_vs_express, met: ratios.me_vs_express === null ? null : ratios.me_vs_express >= 5 },
    { target: "/me >= 5x better-auth get-session req/s", value: ratios.me_vs_better_auth_get_session, met: ratios.me_vs_better_auth_get_session === null ? null : ratios.me_vs_better_auth_get_session >= 5 },
    { target: "/me p99 <= 1.2x the reference's p99 (same rounds)", value: ratios.me_p99_vs_reference_p99, met: ratios.me_p99_vs_reference_p99 === null ? null : ratios.me_p99_vs_reference_p99 <= 1.2 },
    { target: `admin search >= 1,000 req/s at ${S.adminConnections} connections on ${S.users} users`, value: adminSearch ? round(adminSearch.rps) : null, met: adminSearch ? adminSearch.rps >= 1000 : null },
    { target: "admin search p50 < 20 ms", value: adminSearch ? round(adminSearch.p50_ms, 2) : null, met: adminSearch ? adminSearch.p50_ms < 20 : null },
    { target: "/me steady: server CPU per request in the last slice <= 115% of the first", value: cpuDrift, met: cpuDrift === null ? null : cpuDrift <= 1.15 },
    { target: "/me steady: req/s in the last slice >= 90% of the first (moves with machine load)", value: drift, met: drift === null ? null : drift >= 0.9 },
    { target: "login >= 90% of Argon2 ceiling (req/s vs hashes/s)", value: ratios.login_vs_argon2_ceiling, met: ratios.login_vs_argon2_ceiling === null ? null : ratios.login_vs_argon2_ceiling >= 0.9 },
    { target: "login >= 90% of Argon2 ceiling (CPU a hash vs server CPU a sign-in)", value: ratios.login_vs_argon2_by_cpu, met: ratios.login_vs_argon2_by_cpu === null ? null : ratios.login_vs_argon2_by_cpu >= 0.9 },
    { target: "  (informational) better-auth sign-in as a fraction of its scrypt ceiling", value: ratios.better_auth_login_vs_its_scrypt_ceiling, met: null },
    { target: "Cobalt RSS < 150 MB after every run, read after 2 s idle (highest reading)", value: cobaltPeakRss, met: cobaltPeakRss === null ? null : cobaltPeakRss < 150 },
    { target: "  (informational) highest RSS read the moment a run ended", value: cobaltPeakImmediateRss, met: null },
    { target: "/me p99 < 10 ms at 64 connections (worst 10 s slice)", value: me ? round(me.p99Ms, 2) : null, met: me ? me.p99Ms < 10 : null },
    { target: "zero errors (non-2xx included) in every run", value: allErrors, met: allErrors === 0 },
    { target: "no pooled connection left idle in a transaction after mixed load", value: stuckConnections, met: stuckConnections === null ? null : stuckConnections === 0 },
    { target: "honest sign-in while 1 IP floods succeeds within 1 s", value: attack?.one_ip.honest_worst_ms ?? null, met: attack ? attack.one_ip.honest_all_succeeded && attack.one_ip.honest_worst_ms < 1000 : null },
    { target: "honest sign-in while 200 IPs flood (each within its limit) succeeds within 1 s", value: attack?.many_ips.honest_worst_ms ?? null, met: attack ? attack.many_ips.honest_all_succeeded && attack.many_ips.honest_worst_ms < 1000 : null },
  ];
  const totalSeconds = round((performance.now() - runStarted) / 1000);
  checks.push({ target: "whole run < 600 s", value: totalSeconds, met: totalSeconds < 600 });
  results.checks = checks;
  (results.machine as Record<string, unknown>).loadavg_end = loadavg().map((v) => round(v, 2));
  results.total_seconds = totalSeconds;

  // Print.
  const pad = (value: unknown, width: number, left = false) => (left ? String(value ?? "-").padEnd(width) : String(value ?? "-").padStart(width));
  console.log("\n" + [pad("target", 36, true), pad("req/s", 9), pad("p50 ms", 8), pad("p99 ms", 8), pad("errors", 7), pad("CPU us/req", 10), pad("RSS MB", 7), "  note"].join(" "));
  console.log("-".repeat(130));
  for (const r of rows) console.log([pad(r.target, 36, true), pad(r.rps, 9), pad(r.p50, 8), pad(r.p99, 8), pad(r.errors, 7), pad(r.cpu, 10), pad(r.rss, 7), `  ${r.note}`].join(" "));
  console.log(
    `\nstart-up to first /health: embedded fresh ${startup.embedded_fresh?.ms ?? "-"} ms, embedded existing ${startup.embedded_existing?.ms ?? "-"} ms, ` +
      `Postgres empty db ${startup.postgres_fresh?.ms ?? "-"} ms, Postgres migrated ${startup.postgres_existing?.ms ?? "-"} ms`,
  );
  if (ceiling) console.log(`Argon2id ceiling (m=${ARGON2.memoryCost} KiB, t=${ARGON2.timeCost}, ${cpus().length} cores): ${ceiling.before} / ${ceiling.after} hashes/s before / after login; ${ceiling.cpuMsPerHash} ms CPU a hash`);
  console.log(`ratios: ${JSON.stringify(ratios)}`);
  console.log(`server-side non-2xx (from /metrics): ${JSON.stringify(serverNon2xx)}`);
  console.log("\ntargets:");
  for (const check of checks) console.log(`  [${check.met === null ? "n/a " : check.met ? " met" : "MISS"}] ${check.target}: ${check.value ?? "-"}`);
  const out = join(import.meta.dir, "results.json");
  // The A/B scripts (bench/admin-search-ab.ts) add sections of their own: a full run keeps them.
  const previous = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>) : {};
  writeFileSync(out, `${JSON.stringify({ ...previous, ...results }, null, 2)}\n`);
  console.log(`\nwrote ${out} (${totalSeconds} s)`);
}

if (PROFILE) mkdirSync(PROFILE_DIR, { recursive: true });
try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
