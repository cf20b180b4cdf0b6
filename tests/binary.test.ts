import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { backend, createTestDatabase, type TestDatabase } from "./helpers/backends";
import { START_TIMEOUT_MS } from "./helpers/auth";

// `bun run build:binary`: one executable, copied into an empty folder with no node_modules
// anywhere above it, run with a bare environment, like a user who downloaded it. On the
// embedded defaults it keeps its data in ./data; on the real-services pass it runs on Postgres
// and Redis instead. Either way: sign up, restart, the account is still there.

const ROOT = join(import.meta.dir, "..");

/** The build is cached by the content of what goes into it: CI's two passes build it once. */
function inputsHash(): string {
  const hash = createHash("sha256");
  const files = ["package.json", "bun.lock", "scripts/build-binary.ts"];
  for (const dir of ["src", "drizzle", "public"]) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) files.push(relative(ROOT, join(entry.parentPath, entry.name)));
    }
  }
  for (const file of files.filter((f) => !f.startsWith("public/build/")).sort()) hash.update(file).update(readFileSync(join(ROOT, file)));
  return hash.digest("hex").slice(0, 16);
}

function buildBinary(): string {
  const outfile = join(ROOT, "node_modules/.cache/cobalt-binary", inputsHash(), "cobalt");
  if (existsSync(outfile)) return outfile;
  const result = Bun.spawnSync([process.execPath, "run", "build:binary"], { cwd: ROOT, env: { ...process.env, BINARY_OUTFILE: outfile }, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`build:binary failed: ${result.stderr.toString().slice(-2000)}`);
  return outfile;
}

describe("the single-file build", () => {
  const folder = mkdtempSync(join(tmpdir(), "cobalt-binary-"));
  let database: TestDatabase | undefined;
  let port = 0;

  beforeAll(async () => {
    copyFileSync(buildBinary(), join(folder, "cobalt"));
    Bun.spawnSync(["chmod", "755", join(folder, "cobalt")]);
    if (backend.databaseUrl) database = await createTestDatabase();
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    port = probe.port;
    probe.stop(true);
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  const base = () => `http://127.0.0.1:${port}`;
  function start() {
    return Bun.spawn([join(folder, "cobalt")], {
      cwd: folder,
      // What a user's shell would have; nothing from this checkout or its node_modules.
      env: {
        PATH: "/usr/bin:/bin",
        HOME: folder,
        PORT: String(port),
        ARGON2_MEMORY_KIB: "1024",
        ARGON2_TIME_COST: "1",
        LOG_LEVEL: "warn",
        ...(database ? { DATABASE_POOL_SIZE: "4", DATABASE_URL: database.url!, REDIS_URL: backend.redisUrl ?? "", RATE_LIMIT_REGISTER: "off", RATE_LIMIT_LOGIN: "off", RATE_LIMIT_LOGIN_ACCOUNT: "off" } : {}),
      },
      stdout: "ignore",
      stderr: "ignore",
    });
  }
  async function waitUntilUp(): Promise<boolean> {
    for (let i = 0; i < 1100; i++) {
      if (await fetch(`${base()}/health/ready`).then((r) => r.ok).catch(() => false)) return true;
      await Bun.sleep(50);
    }
    return false;
  }
  const user = { username: `binary_${crypto.randomUUID().slice(0, 8)}`, email: `binary_${crypto.randomUUID().slice(0, 8)}@example.com`, password: "a long enough passphrase" };

  test("starts in an empty folder, serves pages, stylesheet and API docs, and signs a user up", async () => {
    const server = start();
    try {
      expect(await waitUntilUp()).toBe(true);
      const register = await fetch(`${base()}/api/v1/auth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
      expect(register.status).toBe(201);

      const page = await fetch(`${base()}/login`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const stylesheet = /href="(\/static\/app\.[\w-]+\.css)"/.exec(html)?.[1];
      expect(stylesheet).toBeDefined();
      const css = await fetch(base() + stylesheet);
      expect(css.headers.get("content-type")).toContain("text/css");
      // The Tailwind build, not the fallback stylesheet.
      expect((await css.text()).length).toBeGreaterThan(5000);
      const htmx = /src="(\/static\/htmx\.[\w-]+\.js)"/.exec(html)?.[1];
      expect((await fetch(base() + htmx)).status).toBe(200);
      expect((await fetch(`${base()}/swagger/assets/swagger-ui-bundle.js`)).status).toBe(200);
      if (!database) expect(existsSync(join(folder, "data", "pglite"))).toBe(true);
    } finally {
      server.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    }
  }, START_TIMEOUT_MS + 30_000);

  test("after a restart the account is still there", async () => {
    const server = start();
    try {
      expect(await waitUntilUp()).toBe(true);
      const login = await fetch(`${base()}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username_or_email: user.email, password: user.password }),
      });
      expect(login.status).toBe(200);
      const token = ((await login.json()) as { access_token: string }).access_token;
      const me = await fetch(`${base()}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await me.json()) as { username: string }).username).toBe(user.username);
      // Everything it wrote is under ./data, beside the executable.
      expect(readdirSync(folder).sort()).toEqual(["cobalt", "data"]);
    } finally {
      server.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    }
  }, START_TIMEOUT_MS + 30_000);
});
