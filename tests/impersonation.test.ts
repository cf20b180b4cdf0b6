/**
 * Impersonation (docs/impersonation.md): an admin opens a session as a user, marked in its tokens,
 * ending 30 minutes after it starts whatever refreshes happen, unable to make sensitive changes,
 * audited at start and stop; admins cannot be impersonated.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ManualClock } from "../src/clock";
import { eq } from "drizzle-orm";
import { users } from "../src/db/schema";
import { registerAdmin, updateUserRows } from "./helpers/admin";
import { signedUpClient } from "./e2e/web-client";
import { startTestApp, type TestApp } from "./helpers/app";
import { decodeJwt, expectError, RELAXED_LIMITS } from "./helpers/auth";
import { bearer, cookieValue, registerUser } from "./helpers/users";

let app: TestApp;
const clock = new ManualClock();
beforeAll(async () => {
  app = await startTestApp({ clock, env: RELAXED_LIMITS });
});
afterAll(() => app.stop());

interface Started {
  access_token: string;
  refresh_token: string;
  user: { id: string; username: string };
  impersonation: { impersonator_id: string; reason: string; ends_at: string };
}

const impersonate = (adminToken: string, userId: string, reason = "Ticket 42: cannot see invoices") =>
  app.json<Started>("POST", `/api/v1/admin/users/${userId}/impersonate`, { reason }, bearer(adminToken));

describe("starting", () => {
  test("an admin gets a session as the user, marked with act, and it is audited with the reason", async () => {
    const admin = await registerAdmin(app);
    const user = await registerUser(app);
    const started = await impersonate(admin.accessToken, user.id);
    expect(started.status).toBe(200);
    expect(started.body.user.id).toBe(user.id);
    expect(decodeJwt(started.body.access_token).payload.act).toEqual({ sub: admin.id });
    expect(started.body.impersonation.reason).toBe("Ticket 42: cannot see invoices");
    const me = await app.json<{ id: string }>("GET", "/api/v1/auth/me", undefined, bearer(started.body.access_token));
    expect(me.body.id).toBe(user.id);
    const audit = await app.json<{ events: Array<{ action: string; details: Record<string, unknown> }> }>("GET", `/api/v1/admin/audit?action=impersonation_started`, undefined, bearer(admin.accessToken));
    expect(audit.body.events.some((event) => event.details.reason === "Ticket 42: cannot see invoices")).toBe(true);
  });

  test("admins, oneself, disabled accounts and unknown ids cannot be impersonated; a user cannot impersonate", async () => {
    const admin = await registerAdmin(app);
    const other = await registerAdmin(app);
    const user = await registerUser(app);
    expectError(await impersonate(admin.accessToken, other.id), 409, "cannot_impersonate");
    expectError(await impersonate(admin.accessToken, admin.id), 409, "cannot_impersonate");
    expectError(await impersonate(admin.accessToken, "00000000-0000-4000-8000-000000000000"), 404, "not_found");
    expect((await impersonate(admin.accessToken, "not-a-uuid")).status).toBe(422);
    expectError(await impersonate(user.accessToken, admin.id), 403, "forbidden");
    expect((await impersonate(admin.accessToken, user.id, "")).status).toBe(422);
    expect((await impersonate(admin.accessToken, user.id, "      ")).status).toBe(422);
    expect((await impersonate(admin.accessToken, user.id, " a b ")).status).toBe(422);
    const disabled = await registerUser(app);
    expect((await app.json("PATCH", `/api/v1/admin/users/${disabled.id}/disable`, undefined, bearer(admin.accessToken))).status).toBe(200);
    expectError(await impersonate(admin.accessToken, disabled.id), 409, "cannot_impersonate");
  });
});

describe("limits", () => {
  test("an impersonated session cannot change the password, make tokens or sign out everywhere", async () => {
    const admin = await registerAdmin(app);
    const user = await registerUser(app);
    const token = (await impersonate(admin.accessToken, user.id)).body.access_token;
    expectError(await app.json("POST", "/api/v1/auth/change-password", { current_password: user.password, new_password: "something else entirely" }, bearer(token)), 403, "impersonation_restricted");
    expectError(await app.json("POST", "/api/v1/auth/tokens", { name: "x", scopes: ["profile:read"] }, bearer(token)), 403, "impersonation_restricted");
    expectError(await app.json("POST", "/api/v1/auth/logout-all", undefined, bearer(token)), 403, "impersonation_restricted");
    expectError(await app.json("POST", "/api/v1/auth/change-email", { new_email: "taken.over@example.org" }, bearer(token)), 403, "impersonation_restricted");
  });

  test("an impersonated session cannot sign the user out of their other sessions or take their data away", async () => {
    const admin = await registerAdmin(app);
    const user = await registerUser(app);
    const token = (await impersonate(admin.accessToken, user.id)).body.access_token;
    const own = await app.json<{ sessions: Array<{ id: string; impersonated: boolean }> }>("GET", "/api/v1/auth/sessions", undefined, bearer(user.accessToken));
    const userSession = own.body.sessions.find((session) => !session.impersonated)!;
    expectError(await app.json("POST", "/api/v1/auth/sessions/revoke-others", undefined, bearer(token)), 403, "impersonation_restricted");
    expectError(await app.json("DELETE", `/api/v1/auth/sessions/${userSession.id}`, undefined, bearer(token)), 403, "impersonation_restricted");
    expectError(await app.json("GET", "/api/v1/auth/me/export", undefined, bearer(token)), 403, "impersonation_restricted");
    // The user's own session is untouched, and the user can still do all three.
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(200);
    expect((await app.json("GET", "/api/v1/auth/me/export", undefined, bearer(user.accessToken))).status).toBe(200);
    // The user's own session is untouched.
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(200);
  });

  test("the session ends 30 minutes after it started, however often it is refreshed", async () => {
    const admin = await registerAdmin(app);
    const user = await registerUser(app);
    let refreshToken = (await impersonate(admin.accessToken, user.id)).body.refresh_token;
    for (let minute = 0; minute < 25; minute += 5) {
      clock.advance(5 * 60 * 1000);
      const refreshed = await app.json<{ access_token: string; refresh_token?: string }>("POST", "/api/v1/auth/refresh", { refresh_token: refreshToken });
      expect(refreshed.status).toBe(200);
      const claims = decodeJwt(refreshed.body.access_token).payload;
      expect(claims.act).toEqual({ sub: admin.id });
      expect(Number(claims.exp) * 1000).toBeLessThanOrEqual(clock.now() + 30 * 60 * 1000);
      refreshToken = cookieValue(refreshed, "refresh_token") ?? refreshToken;
    }
    clock.advance(6 * 60 * 1000);
    expect((await app.json("POST", "/api/v1/auth/refresh", { refresh_token: refreshToken })).status).toBe(401);
  });
});

describe("the user's view", () => {
  test("the user's session list marks the session an administrator opened, on the API and the page", async () => {
    const admin = await registerAdmin(app);
    const { client, user: input } = await signedUpClient(app, "impseen");
    const login = await app.json<{ access_token: string; user: { id: string } }>("POST", "/api/v1/auth/login", { username_or_email: input.username, password: input.password });
    expect((await impersonate(admin.accessToken, login.body.user.id)).status).toBe(200);
    const list = await app.json<{ sessions: Array<{ impersonated: boolean }> }>("GET", "/api/v1/auth/sessions", undefined, bearer(login.body.access_token));
    expect(list.body.sessions.filter((session) => session.impersonated)).toHaveLength(1);
    expect(list.body.sessions.filter((session) => !session.impersonated).length).toBeGreaterThanOrEqual(2);
    const page = await client.get("/dashboard");
    expect(page.text.match(/Opened by an administrator/g)).toHaveLength(1);
  });
});

describe("stopping", () => {
  test("signing out of the impersonated session ends it and is audited as a stop", async () => {
    const admin = await registerAdmin(app);
    const user = await registerUser(app);
    const token = (await impersonate(admin.accessToken, user.id)).body.access_token;
    expect((await app.json("POST", "/api/v1/auth/logout", undefined, bearer(token))).status).toBe(204);
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(token))).status).toBe(401);
    const audit = await app.json<{ events: Array<{ action: string; target_id: string | null }> }>("GET", `/api/v1/admin/audit?action=impersonation_stopped`, undefined, bearer(admin.accessToken));
    expect(audit.body.events.some((event) => event.target_id === user.id)).toBe(true);
  });
});

/** A browser signed in as a new admin, and a user for it to impersonate. */
async function adminBrowser(tag: string) {
  const { client, user: adminInput } = await signedUpClient(app, tag);
  const adminId = (await app.json<{ user: { id: string } }>("POST", "/api/v1/auth/login", { username_or_email: adminInput.username, password: adminInput.password })).body.user.id;
  await updateUserRows(app, eq(users.id, adminId), { role: "admin" });
  return { client, admin: adminInput, user: await registerUser(app) };
}

describe("on the pages", () => {
  test("start from the user's admin page, every page shows the banner, stop gives the admin's session back", async () => {
    const { client, admin: adminInput, user } = await adminBrowser("impadm");
    const page = await client.get(`/admin/users/${user.id}`);
    expect(page.text).toContain(`Impersonate ${user.username}`);
    const started = await client.post(`/admin/users/${user.id}/impersonate`, { reason: "Ticket 7" });
    expect(started.status).toBe(303);
    expect(started.location).toBe("/dashboard");
    expect(client.cookies.has("own_refresh_token")).toBe(true);
    const dashboard = await client.get("/dashboard");
    expect(dashboard.text).toContain(`You are signed in as ${user.username}, impersonated by ${adminInput.username} (reason: Ticket 7)`);
    expect(dashboard.text).toContain("Stop impersonating");
    const stopped = await client.post("/impersonation/stop");
    expect(stopped.location).toBe(`/admin/users/${user.id}`);
    expect(client.cookies.has("own_refresh_token")).toBe(false);
    const back = await client.get(`/admin/users/${user.id}`);
    expect(back.status).toBe(200);
    expect(back.text).not.toContain("Stop impersonating");
    expect(back.text).toContain(`Impersonate ${user.username}`);
  });

  test("an impersonated dashboard cannot end the user's other sessions or download their data", async () => {
    const { client, user } = await adminBrowser("imppage");
    await client.post(`/admin/users/${user.id}/impersonate`, { reason: "Ticket 10" });
    const dashboard = await client.get("/dashboard");
    // What it may not do is not offered: it is said to be left to the user.
    for (const button of ["End this session", "Sign out the other session", "Download my data", "Sign out everywhere", "Delete my account", ">Change password<", ">Change email<", ">Create token<"]) expect(dashboard.text).not.toContain(button);
    expect(dashboard.text).toContain("only the user can do");
    // Forms posted anyway (an old tab) are refused.
    const ended = await client.post("/account/sessions/end-others");
    expect(ended.status).toBe(403);
    expect(ended.text).toContain("impersonat");
    expect((await client.get("/account/export")).status).toBe(403);
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(200);
  });

  test("an impersonation that runs out without stop gives the admin's own session back on the next page", async () => {
    const { client, admin, user } = await adminBrowser("impexp");
    await client.post(`/admin/users/${user.id}/impersonate`, { reason: "Ticket 8" });
    expect((await client.get("/dashboard")).text).toContain("Stop impersonating");
    clock.advance(31 * 60 * 1000);
    const after = await client.get("/dashboard");
    expect(after.status).toBe(200);
    expect(after.text).not.toContain("Stop impersonating");
    expect(after.text).toContain(admin.username);
    expect(after.text).not.toContain(user.username);
    expect(client.cookies.has("own_refresh_token")).toBe(false);
    expect((await client.get("/admin")).status).toBe(200);
  });

  test("signing out while impersonating stops it: the admin is back on the user's page, still signed in", async () => {
    const { client, user } = await adminBrowser("impout");
    await client.post(`/admin/users/${user.id}/impersonate`, { reason: "Ticket 9" });
    await client.get("/dashboard");
    const out = await client.post("/logout");
    expect(out.location).toBe(`/admin/users/${user.id}`);
    const back = await client.get(`/admin/users/${user.id}`);
    expect(back.status).toBe(200);
    expect(back.text).toContain(`Impersonate ${user.username}`);
  });

  test("a signed-in user with no impersonation kept is simply signed out when the session is over", async () => {
    const { client } = await signedUpClient(app, "impnone");
    clock.advance(8 * 24 * 60 * 60 * 1000);
    const page = await client.get("/dashboard");
    expect([302, 303]).toContain(page.status);
    expect(page.location).toStartWith("/login");
  });
});
