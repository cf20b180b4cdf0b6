import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "./helpers/backends";

// The real entry point, as `bun start` runs it: SIGTERM lets an in-flight request finish.
describe("graceful shutdown", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "cobalt-shutdown-"));
  let database: TestDatabase | undefined;
  let port = 0;

  beforeAll(async () => {
    if (process.env.DATABASE_URL) database = await createTestDatabase();
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    port = probe.port;
    probe.stop(true);
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startServer = () =>
    Bun.spawn(["bun", "src/index.ts"], {
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: database?.url ?? "",
        REDIS_URL: process.env.REDIS_URL ?? "",
        JWT_SECRET: "shutdown-test-secret-0123456789-abcdef",
        // A costly hash keeps the sign-in in flight while the signal arrives.
        ARGON2_MEMORY_KIB: "65536",
        ARGON2_TIME_COST: "12",
        LOG_LEVEL: "warn",
        // The real server uses the shared Redis's default key prefix: keep this test's
        // sign-ups and sign-ins from spending (or finding spent) the machine's IP budgets.
        RATE_LIMIT_REGISTER: "off",
        RATE_LIMIT_REGISTER_ATTEMPTS: "off",
        RATE_LIMIT_LOGIN: "off",
        RATE_LIMIT_LOGIN_ACCOUNT: "off",
        RATE_LIMIT_API: "off",
        NODE_ENV: "test",
      },
      stdout: "ignore",
      stderr: "pipe",
    });
  const credentials = { username: "shutdown_user", email: "shutdown@example.com", password: "a long enough passphrase" };

  // Up to a minute: the first start on the embedded database runs initdb, which on a loaded
  // CI machine has taken over 30 s. How fast the server starts is the benchmark's business.
  async function waitUntilUp(base: string): Promise<boolean> {
    for (let i = 0; i < 600; i++) {
      if (await fetch(`${base}/health/live`).then((r) => r.ok).catch(() => false)) return true;
      await Bun.sleep(100);
    }
    return false;
  }

  test("SIGTERM stops accepting, finishes the request in flight, and exits 0", async () => {
    const server = startServer();
    const base = `http://127.0.0.1:${port}`;
    expect(await waitUntilUp(base)).toBe(true);

    expect((await fetch(`${base}/api/v1/auth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(credentials) })).status).toBe(201);

    const inFlight = fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username_or_email: credentials.username, password: credentials.password }),
    });
    // Signal well inside the hash (about a second), never before the request has reached the server.
    await Bun.sleep(300);
    server.kill("SIGTERM");

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await server.exited).toBe(0);
    const afterwards = await fetch(`${base}/health/live`).then(() => "answered").catch(() => "refused");
    expect(afterwards).toBe("refused");
  }, 120_000);

  test("data survives a restart", async () => {
    const server = startServer();
    const base = `http://127.0.0.1:${port}`;
    try {
      expect(await waitUntilUp(base)).toBe(true);
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username_or_email: credentials.email, password: credentials.password }),
      });
      expect(login.status).toBe(200);
    } finally {
      server.kill("SIGTERM");
      await server.exited;
    }
  }, 120_000);
});
