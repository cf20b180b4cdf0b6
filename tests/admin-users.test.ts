import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { auditLog, sessions, users } from "../src/db/schema";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";

let app: TestApp;
let admin: RegisteredUser;

beforeAll(async () => {
  app = await startTestApp({ env: { RATE_LIMIT_REGISTER: "off", RATE_LIMIT_LOGIN: "off", RATE_LIMIT_API: "off" } });
  admin = await registerAdmin(app);
});
afterAll(() => app.stop());

const asAdmin = () => bearer(admin.accessToken);

describe("admin access", () => {
  test("no token is 401, a user's token is 403, an admin's is 200", async () => {
    const user = await registerUser(app);
    expect((await app.json("GET", "/api/v1/admin/users")).status).toBe(401);
    const forbidden = await app.json<{ code: string }>("GET", "/api/v1/admin/users", undefined, bearer(user.accessToken));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe("forbidden");
    expect((await app.json("GET", "/api/v1/admin/users", undefined, asAdmin())).status).toBe(200);
    expect((await app.json("GET", "/api/admin/stats", undefined, asAdmin())).status).toBe(200);
  });

  test("a demoted admin loses access on the very next request, with the same token", async () => {
    const other = await registerAdmin(app);
    expect((await app.json("GET", "/api/v1/admin/stats", undefined, bearer(other.accessToken))).status).toBe(200);
    const demoted = await app.json("PATCH", `/api/v1/admin/users/${other.id}/role`, { role: "user" }, asAdmin());
    expect(demoted.status).toBe(200);
    expect((await app.json("GET", "/api/v1/admin/stats", undefined, bearer(other.accessToken))).status).toBe(403);
  });
});

describe("listing users", () => {
  let tagged: RegisteredUser[];
  const tag = `zq${Date.now().toString(36)}`;

  beforeAll(async () => {
    tagged = [];
    for (const name of [`${tag}_alpha`, `${tag}_beta`, `${tag}.gamma`, `${tag}-delta`, `${tag}%x`.replace("%", "p")]) {
      tagged.push(await registerUser(app, { username: name, email: `${name}@Example.com`.toLowerCase() }));
    }
  });

  test("search is case-insensitive on username and email", async () => {
    const byName = await app.json<{ users: { username: string }[]; total: number }>("GET", `/api/v1/admin/users?search=${tag.toUpperCase()}_ALPHA`, undefined, asAdmin());
    expect(byName.body.users.map((u) => u.username)).toEqual([`${tag}_alpha`]);
    const byEmail = await app.json<{ total: number }>("GET", `/api/v1/admin/users?search=${encodeURIComponent(`${tag}-delta@example`)}`, undefined, asAdmin());
    expect(byEmail.body.total).toBe(1);
  });

  test("% and _ in the search text are literal, quotes are harmless", async () => {
    const underscore = await app.json<{ users: { username: string }[] }>("GET", `/api/v1/admin/users?search=${tag}_`, undefined, asAdmin());
    // "_" must not match the "." and "-" of gamma and delta.
    expect(underscore.body.users.map((u) => u.username).sort()).toEqual([`${tag}_alpha`, `${tag}_beta`]);
    const percent = await app.json<{ total: number }>("GET", `/api/v1/admin/users?search=${encodeURIComponent("%")}`, undefined, asAdmin());
    expect(percent.status).toBe(200);
    expect(percent.body.total).toBe(0);
    const quote = await app.json<{ total: number }>("GET", `/api/v1/admin/users?search=${encodeURIComponent("' or 1=1 --")}`, undefined, asAdmin());
    expect(quote.status).toBe(200);
    expect(quote.body.total).toBe(0);
  });

  test("pagination arithmetic and clamping", async () => {
    const first = await app.json<{ users: { id: string }[]; total: number; page: number; per_page: number; total_pages: number }>(
      "GET",
      `/api/v1/admin/users?search=${tag}&per_page=2&page=1&sort=username`,
      undefined,
      asAdmin(),
    );
    expect(first.body).toMatchObject({ total: 5, page: 1, per_page: 2, total_pages: 3 });
    const third = await app.json<{ users: { id: string }[] }>("GET", `/api/v1/admin/users?search=${tag}&per_page=2&page=3&sort=username`, undefined, asAdmin());
    expect(third.body.users).toHaveLength(1);
    const beyond = await app.json<{ users: unknown[] }>("GET", `/api/v1/admin/users?search=${tag}&per_page=2&page=9`, undefined, asAdmin());
    expect(beyond.body.users).toHaveLength(0);
    const clamped = await app.json<{ per_page: number; page: number }>("GET", "/api/v1/admin/users?per_page=1000&page=0", undefined, asAdmin());
    expect(clamped.body.per_page).toBe(100);
    expect(clamped.body.page).toBe(1);
    const huge = await app.json<{ users: unknown[]; page: number }>("GET", "/api/v1/admin/users?page=100000000000000000000", undefined, asAdmin());
    expect(huge.status).toBe(200);
    expect(huge.body.users).toHaveLength(0);
    const hugeAudit = await app.json("GET", "/api/v1/admin/audit?page=99999999999999", undefined, asAdmin());
    expect(hugeAudit.status).toBe(200);
    const bad = await app.json<{ code: string }>("GET", "/api/v1/admin/users?per_page=lots", undefined, asAdmin());
    expect(bad.status).toBe(422);
  });

  test("sorting both ways is stable and a bad sort field is a 422", async () => {
    const asc = await app.json<{ users: { username: string }[] }>("GET", `/api/v1/admin/users?search=${tag}&sort=username`, undefined, asAdmin());
    const desc = await app.json<{ users: { username: string }[] }>("GET", `/api/v1/admin/users?search=${tag}&sort=-username`, undefined, asAdmin());
    const names = asc.body.users.map((u) => u.username);
    expect(names).toEqual([...names].sort());
    expect(desc.body.users.map((u) => u.username)).toEqual([...names].reverse());
    expect((await app.json("GET", "/api/v1/admin/users?sort=password_hash", undefined, asAdmin())).status).toBe(422);
  });

  test("filters by role, verification and status", async () => {
    const [first] = tagged;
    await app.json("PATCH", `/api/v1/admin/users/${first!.id}/disable`, undefined, asAdmin());
    const disabled = await app.json<{ users: { id: string; status: string }[] }>("GET", `/api/v1/admin/users?search=${tag}&status=disabled`, undefined, asAdmin());
    expect(disabled.body.users.map((u) => u.id)).toEqual([first!.id]);
    const active = await app.json<{ total: number }>("GET", `/api/v1/admin/users?search=${tag}&status=active`, undefined, asAdmin());
    expect(active.body.total).toBe(4);
    const admins = await app.json<{ users: { role: string }[] }>("GET", "/api/v1/admin/users?role=admin", undefined, asAdmin());
    expect(admins.body.users.every((u) => u.role === "admin")).toBe(true);
    const unverified = await app.json<{ total: number }>("GET", `/api/v1/admin/users?search=${tag}&email_verified=false`, undefined, asAdmin());
    expect(unverified.body.total).toBe(5);
    await app.json("PATCH", `/api/v1/admin/users/${first!.id}/enable`, undefined, asAdmin());
  });

  test("one user's detail has its session count; unknown and malformed ids are 404 and 422", async () => {
    const user = await registerUser(app);
    const detail = await app.json<{ id: string; session_count: number; last_login_at: string | null }>("GET", `/api/v1/admin/users/${user.id}`, undefined, asAdmin());
    expect(detail.body.id).toBe(user.id);
    expect(detail.body.session_count).toBe(1);
    expect((await app.json("GET", `/api/v1/admin/users/${crypto.randomUUID()}`, undefined, asAdmin())).status).toBe(404);
    expect((await app.json("GET", "/api/v1/admin/users/not-a-uuid", undefined, asAdmin())).status).toBe(422);
  });
});

describe("disable, enable, delete", () => {
  test("disabling ends every session and access token at once; enabling lets the user sign in again", async () => {
    const user = await registerUser(app);
    const response = await app.json<{ status: string }>("PATCH", `/api/v1/admin/users/${user.id}/disable`, undefined, asAdmin());
    expect(response.status).toBe(200);
    expect(response.body.status).toBe("disabled");
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(401);
    const refresh = await app.fetch("/api/v1/auth/refresh", { method: "POST", headers: { cookie: `refresh_token=${user.refreshToken}` } });
    expect(refresh.status).toBe(401);
    const login = await app.json<{ code: string }>("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password });
    expect(login.status).toBe(403);
    expect(login.body.code).toBe("account_disabled");

    expect((await app.json("PATCH", `/api/v1/admin/users/${user.id}/enable`, undefined, asAdmin())).status).toBe(200);
    const again = await app.json<{ access_token: string }>("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password });
    expect(again.status).toBe(200);
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(again.body.access_token))).status).toBe(200);
  });

  test("deleting removes the user and what it owns, and its token stops working", async () => {
    const user = await registerUser(app);
    expect((await app.json("DELETE", `/api/v1/admin/users/${user.id}`, undefined, asAdmin())).status).toBe(204);
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(401);
    expect((await app.json("GET", `/api/v1/admin/users/${user.id}`, undefined, asAdmin())).status).toBe(404);
    const left = await app.deps.database.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(left).toHaveLength(0);
    expect((await app.json("DELETE", `/api/v1/admin/users/${user.id}`, undefined, asAdmin())).status).toBe(404);
  });

  test("an admin cannot disable, demote or delete itself", async () => {
    for (const [method, path, body] of [
      ["PATCH", `/api/v1/admin/users/${admin.id}/disable`, undefined],
      ["PATCH", `/api/v1/admin/users/${admin.id}/role`, { role: "user" }],
      ["DELETE", `/api/v1/admin/users/${admin.id}`, undefined],
    ] as const) {
      const response = await app.json<{ code: string }>(method, path, body, asAdmin());
      expect(response.status).toBe(409);
      expect(response.body.code).toBe("cannot_modify_self");
    }
  });

  test("an admin can end one of a user's sessions", async () => {
    const user = await registerUser(app);
    const list = await app.json<{ sessions: { id: string }[] }>("GET", `/api/v1/admin/users/${user.id}/sessions`, undefined, asAdmin());
    expect(list.body.sessions).toHaveLength(1);
    const sid = list.body.sessions[0]!.id;
    expect((await app.json("DELETE", `/api/v1/admin/users/${user.id}/sessions/${sid}`, undefined, asAdmin())).status).toBe(204);
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(401);
    expect((await app.json("DELETE", `/api/v1/admin/users/${user.id}/sessions/${sid}`, undefined, asAdmin())).status).toBe(404);
  });
});

describe("stats and audit", () => {
  test("stats count users, verification, admins, disabled, sessions and recent sign-ups", async () => {
    const stats = await app.json<Record<string, number>>("GET", "/api/v1/admin/stats", undefined, asAdmin());
    const all = await app.deps.database.db.select().from(users);
    expect(stats.body.total_users).toBe(all.length);
    expect(stats.body.admin_users).toBe(all.filter((u) => u.role === "admin").length);
    expect(stats.body.disabled_users).toBe(all.filter((u) => u.disabledAt).length);
    expect(stats.body.signups_7d).toBe(all.length);
    expect(stats.body.active_sessions).toBeGreaterThan(0);
    expect(Object.keys(stats.body).sort()).toEqual(["active_sessions", "admin_users", "disabled_users", "signups_7d", "total_users", "verified_users"]);
  });

  test("every admin action is in the audit log with actor, target and IP, newest first, filterable", async () => {
    const user = await registerUser(app);
    await app.json("PATCH", `/api/v1/admin/users/${user.id}/disable`, undefined, asAdmin());
    await app.json("PATCH", `/api/v1/admin/users/${user.id}/enable`, undefined, asAdmin());
    await app.json("PATCH", `/api/v1/admin/users/${user.id}/role`, { role: "admin" }, asAdmin());
    await app.json("DELETE", `/api/v1/admin/users/${user.id}`, undefined, asAdmin());
    const events = await app.json<{ events: { action: string; actor_id: string; target_id: string; ip: string; created_at: string }[]; total: number }>(
      "GET",
      `/api/v1/admin/audit?user_id=${user.id}`,
      undefined,
      asAdmin(),
    );
    const actions = events.body.events.map((e) => e.action);
    expect(actions.slice(0, 4)).toEqual(["admin_user_deleted", "admin_role_changed", "admin_user_enabled", "admin_user_disabled"]);
    expect(actions).toContain("register");
    const deleted = events.body.events[0]!;
    expect(deleted.actor_id).toBe(admin.id);
    expect(deleted.target_id).toBe(user.id);
    expect(deleted.ip).toBeTruthy();
    const onlyLogins = await app.json<{ events: { action: string }[] }>("GET", "/api/v1/admin/audit?action=login&per_page=5", undefined, asAdmin());
    expect(onlyLogins.body.events.length).toBeGreaterThan(0);
    expect(onlyLogins.body.events.every((e) => e.action === "login")).toBe(true);
  });

  test("sign-in failures are audited without a password", async () => {
    const user = await registerUser(app);
    await app.json("POST", "/api/v1/auth/login", { username_or_email: user.username, password: "wrong-password-123" });
    const rows = await app.deps.database.db.select().from(auditLog).where(eq(auditLog.targetId, user.id));
    const failure = rows.find((row) => row.action === "login_failed");
    expect(failure).toBeDefined();
    expect(JSON.stringify(failure)).not.toContain("wrong-password-123");
  });
});
