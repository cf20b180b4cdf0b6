import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { auditLog, users } from "../src/db/schema";
import { runMaintenance } from "../src/maintenance";
import { ensureFirstAdmin } from "../src/modules/admin/bootstrap";
import { recordAudit } from "../src/modules/audit/service";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { bearer, registerUser } from "./helpers/users";

let app: TestApp;
const clock = new ManualClock();

beforeAll(async () => {
  app = await startTestApp({ clock, env: { RATE_LIMIT_REGISTER: "off", RATE_LIMIT_LOGIN: "off", RATE_LIMIT_API: "off" } });
});
afterAll(() => app.stop());

async function activeAdminCount(): Promise<number> {
  const rows = await app.deps.database.db.select().from(users).where(sql`${users.role} = 'admin' and ${users.disabledAt} is null`);
  return rows.length;
}

describe("the last active admin", () => {
  test("two admins demoting each other at the same moment: exactly one succeeds", async () => {
    // Start from a clean slate of admins: demote any left by other tests directly.
    await app.deps.database.db.update(users).set({ role: "user" }).where(eq(users.role, "admin"));
    const a = await registerAdmin(app);
    const b = await registerAdmin(app);
    const [ab, ba] = await Promise.all([
      app.json<{ code: string }>("PATCH", `/api/v1/admin/users/${b.id}/role`, { role: "user" }, bearer(a.accessToken)),
      app.json<{ code: string }>("PATCH", `/api/v1/admin/users/${a.id}/role`, { role: "user" }, bearer(b.accessToken)),
    ]);
    const statuses = [ab.status, ba.status].sort();
    // The loser is refused either as the last admin (409) or, if the winner's demotion of it
    // committed first, as no longer an admin (403). Never both succeed.
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]!);
    expect(await activeAdminCount()).toBe(1);
  });

  test("two admins disabling each other at once leave one active admin", async () => {
    await app.deps.database.db.update(users).set({ role: "user" }).where(eq(users.role, "admin"));
    const a = await registerAdmin(app);
    const b = await registerAdmin(app);
    const results = await Promise.all([
      app.json("PATCH", `/api/v1/admin/users/${b.id}/disable`, undefined, bearer(a.accessToken)),
      app.json("PATCH", `/api/v1/admin/users/${a.id}/disable`, undefined, bearer(b.accessToken)),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await activeAdminCount()).toBe(1);
  });

  test("the last admin cannot be deleted or demoted by anyone", async () => {
    await app.deps.database.db.update(users).set({ role: "user" }).where(eq(users.role, "admin"));
    const only = await registerAdmin(app);
    const helper = await registerAdmin(app);
    // helper demotes itself? Not allowed; instead only demotes helper, leaving only as the last admin.
    expect((await app.json("PATCH", `/api/v1/admin/users/${helper.id}/role`, { role: "user" }, bearer(only.accessToken))).status).toBe(200);
    const second = await registerAdmin(app);
    expect((await app.json("PATCH", `/api/v1/admin/users/${second.id}/role`, { role: "user" }, bearer(only.accessToken))).status).toBe(200);
    expect(await activeAdminCount()).toBe(1);
    const refused = await app.json<{ code: string }>("DELETE", `/api/v1/admin/users/${only.id}`, undefined, bearer(only.accessToken));
    expect(refused.status).toBe(409);
  });
});

describe("first-admin bootstrap", () => {
  test("creates the admin from ADMIN_EMAIL/ADMIN_PASSWORD only when no admin exists", async () => {
    await app.deps.database.db.update(users).set({ role: "user" }).where(eq(users.role, "admin"));
    const config = { ...app.config, adminEmail: `boot${Date.now()}@example.com`, adminPassword: "bootstrap passphrase 1" };
    await ensureFirstAdmin(app.deps.database.db, config, app.logger, new Date());
    expect(await activeAdminCount()).toBe(1);
    const login = await app.json<{ user: { role: string } }>("POST", "/api/v1/auth/login", { username_or_email: config.adminEmail, password: config.adminPassword });
    expect(login.body.user.role).toBe("admin");

    // A second start with another address does nothing: an admin exists.
    await ensureFirstAdmin(app.deps.database.db, { ...config, adminEmail: "second-boot@example.com" }, app.logger, new Date());
    expect(await activeAdminCount()).toBe(1);
  });

  test("never overwrites an existing account with the same email", async () => {
    await app.deps.database.db.update(users).set({ role: "user" }).where(eq(users.role, "admin"));
    const existing = await registerUser(app);
    const config = { ...app.config, adminEmail: existing.email, adminPassword: "some other passphrase" };
    await ensureFirstAdmin(app.deps.database.db, config, app.logger, new Date());
    const [row] = await app.deps.database.db.select().from(users).where(eq(users.id, existing.id));
    expect(row!.role).toBe("user");
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: existing.email, password: existing.password })).status).toBe(200);
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: existing.email, password: "some other passphrase" })).status).toBe(401);
  });
});

describe("retention and clean-up", () => {
  test("audit events past the retention and dead sessions are pruned", async () => {
    const user = await registerUser(app);
    const old = new Date(clock.now() - 91 * 24 * 3600 * 1000);
    await recordAudit(app.deps.database.db, { action: "login", actor: { userId: user.id, ip: "203.0.113.9", userAgent: null }, targetId: user.id, at: old });
    await app.json("POST", "/api/v1/auth/logout", undefined, bearer(user.accessToken));
    clock.advance(8 * 24 * 3600 * 1000);
    const removed = await runMaintenance(app.deps);
    expect(removed.auditEvents).toBeGreaterThanOrEqual(1);
    expect(removed.sessions).toBeGreaterThanOrEqual(1);
    const left = await app.deps.database.db.select().from(auditLog).where(eq(auditLog.ip, "203.0.113.9"));
    expect(left).toHaveLength(0);
  });
});

describe("the admin command", () => {
  test("creates an admin with the password from stdin, and promotes an existing user", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cobalt-admin-cli-"));
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", ARGON2_MEMORY_KIB: "1024", ARGON2_TIME_COST: "1", NODE_ENV: "test" };
    try {
      const create = Bun.spawn(["bun", "scripts/admin.ts", "create", "--email", "Ops@Example.com", "--username", "ops"], { env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
      create.stdin.write("operator passphrase 9\n");
      create.stdin.end();
      expect(await create.exited).toBe(0);
      expect(await new Response(create.stdout).text()).toContain("admin created: ops <ops@example.com>");

      const weak = Bun.spawn(["bun", "scripts/admin.ts", "create", "--email", "x@example.com", "--username", "xx1"], { env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
      weak.stdin.write("password\n");
      weak.stdin.end();
      expect(await weak.exited).toBe(1);
      expect(await new Response(weak.stderr).text()).toContain("too common");

      const promote = Bun.spawn(["bun", "scripts/admin.ts", "promote", "nobody@example.com"], { env, stdout: "pipe", stderr: "pipe" });
      expect(await promote.exited).toBe(1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
