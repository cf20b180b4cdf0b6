/**
 * The better-auth peer (bench/better-auth/): installed on demand from its own package.json and
 * lockfile (never part of Cobalt's dependencies or of the lockfile CI installs), started on its
 * own database, seeded and signed in through its own HTTP API.
 */
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { freePort, type ServerProcess, startServer } from "./proc";

export const BETTER_AUTH_DIR = resolve(import.meta.dir, "../better-auth");
export const BETTER_AUTH_PREFIX = "ba_user_";
export const BETTER_AUTH_DOMAIN = "@example.com";

/** `bun install --frozen-lockfile` in bench/better-auth when its node_modules is missing. */
export async function ensureBetterAuthInstalled(): Promise<void> {
  if (existsSync(join(BETTER_AUTH_DIR, "node_modules", "better-auth", "package.json"))) return;
  const install = Bun.spawn([process.execPath, "install", "--frozen-lockfile"], { cwd: BETTER_AUTH_DIR, stdout: "inherit", stderr: "inherit", env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  if ((await install.exited) !== 0) throw new Error("bun install in bench/better-auth failed");
}

const versionIn = async (dir: string, pkg: string) => ((await Bun.file(join(dir, "node_modules", pkg, "package.json")).json()) as { version: string }).version;

/** The installed versions of every peer's packages, for results.json. */
export async function peerPackageVersions(): Promise<Record<string, string>> {
  const root = resolve(BETTER_AUTH_DIR, "../..");
  return {
    better_auth: await versionIn(BETTER_AUTH_DIR, "better-auth"),
    better_auth_elysia: await versionIn(BETTER_AUTH_DIR, "elysia"),
    better_auth_pg: await versionIn(BETTER_AUTH_DIR, "pg"),
    express: await versionIn(root, "express"),
    jsonwebtoken: await versionIn(root, "jsonwebtoken"),
    pg: await versionIn(root, "pg"),
    redis: await versionIn(root, "redis"),
    postgres_js: await versionIn(root, "postgres"),
  };
}

export async function startBetterAuth(options: { name: string; databaseUrl: string; rateLimit: boolean; logFile: string | null; poolSize: number }): Promise<ServerProcess> {
  const port = await freePort();
  return startServer({
    name: options.name,
    cmd: [process.execPath, "--no-env-file", join(BETTER_AUTH_DIR, "server.ts")],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: String(options.poolSize),
      BETTER_AUTH_SECRET: crypto.randomUUID() + crypto.randomUUID(),
      ...(options.rateLimit ? {} : { RATE_LIMIT: "off" }),
    },
    port,
    cwd: BETTER_AUTH_DIR,
    logFile: options.logFile,
    timeoutMs: 60_000,
  });
}

const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Signs up users ba_user_1..n through POST /api/auth/sign-up/email, a few at a time. */
export async function seedBetterAuth(base: string, users: number, password: string): Promise<number> {
  const started = performance.now();
  let next = 1;
  const worker = async () => {
    while (next <= users) {
      const i = next++;
      const response = await post(`${base}/api/auth/sign-up/email`, { email: `${BETTER_AUTH_PREFIX}${i}${BETTER_AUTH_DOMAIN}`, password, name: `${BETTER_AUTH_PREFIX}${i}` });
      if (response.status !== 200) throw new Error(`better-auth sign-up ${i} answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: cpus().length * 2 }, worker));
  return (performance.now() - started) / 1000;
}

/** POST /api/auth/sign-in/email; the session cookie it sets, ready for a Cookie header. */
export async function signInBetterAuth(base: string, user: number, password: string): Promise<string> {
  const response = await post(`${base}/api/auth/sign-in/email`, { email: `${BETTER_AUTH_PREFIX}${user}${BETTER_AUTH_DOMAIN}`, password });
  await response.arrayBuffer();
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("better-auth.session_token="));
  if (response.status !== 200 || !cookie) throw new Error(`better-auth sign-in answered ${response.status} without a session cookie`);
  return cookie.split(";")[0]!;
}

/** better-auth's own hash (scrypt at its default cost) verified one at a time per core, summed. */
export async function betterAuthCeiling(password: string, seconds: number): Promise<{ hashesPerSecond: number; cpuSecondsPerHash: number; processes: number }> {
  const processes = cpus().length;
  const workers = Array.from({ length: processes }, () =>
    Bun.spawn([process.execPath, "--no-env-file", join(BETTER_AUTH_DIR, "ceiling.ts")], {
      cwd: BETTER_AUTH_DIR,
      env: { PATH: process.env.PATH, BENCH_PASSWORD: password, BENCH_SECONDS: String(seconds) },
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
  };
}
