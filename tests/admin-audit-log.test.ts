/** The audit log for admins: names kept for deleted accounts, the person and date filters, readable details. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { auditLog } from "../src/db/schema";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";
import { WebClient } from "./e2e/web-client";

let app: TestApp;
let admin: RegisteredUser;
let gone: RegisteredUser;
let kept: RegisteredUser;
let web: WebClient;

interface AuditPage {
  events: Array<{ action: string; actor_id: string | null; target_id: string | null; created_at: string }>;
  total: number;
}

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
  admin = await registerAdmin(app);
  gone = await registerUser(app, { username: "gone_user", email: "gone@example.com" });
  kept = await registerUser(app, { username: "kept_user", email: "kept@example.com" });
  expect((await app.json("DELETE", `/api/v1/admin/users/${gone.id}`, undefined, bearer(admin.accessToken))).status).toBe(204);
  web = new WebClient(app);
  await web.get("/login");
  expect((await web.post("/login", { username_or_email: admin.username, password: admin.password })).status).toBe(303);
  await web.get("/admin");
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const audit = (query: string) => app.json<AuditPage>("GET", `/api/v1/admin/audit?${query}`, undefined, bearer(admin.accessToken));

describe("filtering by person", () => {
  test("a username, an email (any case) or an id finds the events where the account acted or was acted on", async () => {
    for (const who of ["kept_user", "KEPT@example.com", kept.id]) {
      const page = await audit(`user=${encodeURIComponent(who)}`);
      expect(page.status).toBe(200);
      expect(page.body.total).toBeGreaterThan(0);
      expect(page.body.events.every((event) => event.actor_id === kept.id || event.target_id === kept.id)).toBe(true);
    }
  });

  test("a deleted account is still found by its name, and its deletion is among its events", async () => {
    const page = await audit("user=gone_user");
    expect(page.body.events.map((event) => event.action)).toContain("admin_user_deleted");
    expect(page.body.events.every((event) => event.actor_id === gone.id || event.target_id === gone.id)).toBe(true);
  });

  test("a name that is no account matches nothing (not everything), and a fragment is no match", async () => {
    expect((await audit("user=nobody_at_all")).body.total).toBe(0);
    expect((await audit("user=kept")).body.total).toBe(0);
  });

  test("the page says when the person is no account, instead of silently listing everyone", async () => {
    const page = await web.get("/admin/audit?user=nobody_at_all");
    expect(page.status).toBe(200);
    expect(page.text).toContain("No account has the username, email or id");
    expect(page.text).toContain("No events match");
  });
});

describe("names of deleted accounts", () => {
  test("the log shows the deleted account's name, marked deleted, with no link to a missing page", async () => {
    const page = await web.get("/admin/audit?user=gone_user");
    expect(page.text).toContain("gone_user");
    expect(page.text).toContain("(deleted)");
    expect(page.text).not.toContain(`href="/admin/users/${gone.id}"`);
    // Every link the log offers opens a page.
    for (const [, id] of page.text.matchAll(/href="\/admin\/users\/([0-9a-f-]{36})"/g)) expect((await web.get(`/admin/users/${id}`)).status).toBe(200);
  });

  test("events read as sentences naming both sides", async () => {
    const page = await web.get("/admin/audit?action=admin_user_deleted");
    const text = page.text.replace(/<[^>]+>/g, "");
    expect(text).toContain(`${admin.username} deleted gone_user (deleted)`);
  });
});

describe("dates", () => {
  test("from and to are UTC days, both included", async () => {
    const [event] = await app.deps.database.db.select().from(auditLog).where(eq(auditLog.targetId, kept.id)).limit(1);
    await app.deps.database.db.update(auditLog).set({ createdAt: new Date("2026-03-10T23:59:59Z") }).where(eq(auditLog.id, event!.id));
    const day = await audit(`user=${kept.id}&from=2026-03-10&to=2026-03-10`);
    expect(day.body.events.map((row) => row.created_at)).toEqual(["2026-03-10T23:59:59.000Z"]);
    expect((await audit(`user=${kept.id}&from=2026-03-11&to=2026-03-31`)).body.total).toBe(0);
    expect((await audit(`user=${kept.id}&to=2026-03-09`)).body.total).toBe(0);
  });

  test("a date that is not YYYY-MM-DD, or no real day, is a 422", async () => {
    expectError(await audit("from=yesterday"), 422, "validation_error");
    expectError(await audit("to=2026-02-30"), 422, "validation_error");
    expectError(await audit("user_id=not-a-uuid"), 422, "validation_error");
  });
});

describe("details", () => {
  test("details are shown whole as readable pairs, not cut-off JSON", async () => {
    const page = await web.get("/admin/audit?action=admin_user_deleted");
    expect(page.text).toContain("gone@example.com");
    expect(page.text).not.toContain("{&quot;");
    expect(page.text).not.toMatch(/\{"username"/);
  });
});

describe("users list paging", () => {
  test("a page past the end says so and offers the last page, never 'Showing 1961–34'", async () => {
    const page = await web.get("/admin/users?page=99");
    expect(page.status).toBe(200);
    expect(page.text).toContain("Page 99 is past the end");
    expect(page.text).toContain('href="/admin/users"');
    expect(page.text).not.toMatch(/Showing \d+–\d+ of/);
  });
});
