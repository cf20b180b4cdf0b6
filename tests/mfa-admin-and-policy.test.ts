/** MFA_REQUIRED_ROLES (only factor setup until a factor exists) and the admin's view and reset of a user's factors. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { auditLog, users } from "../src/db/schema";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, login, me, newSession, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { codeAt, enrolTotp, type MfaRequiredBody } from "./helpers/mfa";
import { bearer, registerUser, uniqueUser } from "./helpers/users";
import { WebClient } from "./e2e/web-client";

const clock = new ManualClock(Math.floor(Date.now() / 30_000) * 30_000 + 10_000);
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ clock, env: { ...RELAXED_LIMITS, MFA_REQUIRED_ROLES: "admin" } });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

/** An admin who has enrolled, signed in with the factor: the policy lets it through. */
async function adminWithFactor() {
  const admin = await registerAdmin(app);
  const { seed } = await enrolTotp(app, admin);
  return { ...admin, seed };
}

describe(`MFA_REQUIRED_ROLES (${backendName()})`, () => {
  test("an admin without a factor reaches only the factor setup over the API, then everything once enrolled", async () => {
    const admin = await registerAdmin(app);
    const auth = bearer(admin.accessToken);
    expectError(await app.json("GET", "/api/v1/admin/users", undefined, auth), 403, "mfa_setup_required");
    expectError(await app.json("GET", "/api/v1/auth/sessions", undefined, auth), 403, "mfa_setup_required");
    expectError(await app.json("POST", "/api/v1/auth/tokens", { name: "x", scopes: ["profile:read"] }, auth), 403, "mfa_setup_required");
    expect((await me(app, admin.accessToken)).status).toBe(200);
    expect((await app.json("GET", "/api/v1/auth/mfa", undefined, auth)).status).toBe(200);
    await enrolTotp(app, admin);
    expect((await app.json("GET", "/api/v1/admin/users", undefined, auth)).status).toBe(200);
    // A plain user is not held to the admin rule.
    const user = await registerUser(app);
    expect((await app.json("GET", "/api/v1/auth/sessions", undefined, bearer(user.accessToken))).status).toBe(200);
  });

  test("on the pages, such an admin is sent to /account/security, which works", async () => {
    const client = new WebClient(app);
    const person = uniqueUser("padmin");
    await client.get("/register");
    await client.post("/register", person);
    // Made an admin after sign-up: the browser's session is read fresh on every page.
    await app.deps.database.db.update(users).set({ role: "admin" }).where(eq(users.username, person.username));
    const refused = await client.get("/admin");
    expect(refused.status).toBe(303);
    expect(refused.location).toBe("/account/security?notice=mfa-setup-required");
    expect((await client.get("/dashboard")).location).toBe("/account/security?notice=mfa-setup-required");
    const security = await client.get(refused.location!);
    expect(security.status).toBe(200);
    expect(security.text).toContain("Your role requires two-step verification");
    expect((await client.post("/account/security/totp/setup")).status).toBe(200);
  });
});

describe(`the admin and a user's factors (${backendName()})`, () => {
  test("GET /admin/users/:id carries mfa; the list filters by has_mfa", async () => {
    const admin = await adminWithFactor();
    const withApp = await registerUser(app);
    await enrolTotp(app, withApp);
    const without = await registerUser(app);
    const detail = await app.json<{ mfa: { totp: boolean; passkeys: number } }>("GET", `/api/v1/admin/users/${withApp.id}`, undefined, bearer(admin.accessToken));
    expect(detail.body.mfa).toEqual({ totp: true, passkeys: 0 });
    expect((await app.json<{ mfa: unknown }>("GET", `/api/v1/admin/users/${without.id}`, undefined, bearer(admin.accessToken))).body.mfa).toEqual({ totp: false, passkeys: 0 });
    const on = await app.json<{ users: { id: string }[] }>("GET", "/api/v1/admin/users?has_mfa=true&per_page=100", undefined, bearer(admin.accessToken));
    const off = await app.json<{ users: { id: string }[] }>("GET", "/api/v1/admin/users?has_mfa=false&per_page=100", undefined, bearer(admin.accessToken));
    expect(on.body.users.map((user) => user.id)).toContain(withApp.id);
    expect(on.body.users.map((user) => user.id)).not.toContain(without.id);
    expect(off.body.users.map((user) => user.id)).toContain(without.id);
    expect(off.body.users.map((user) => user.id)).not.toContain(withApp.id);
  });

  test("DELETE /admin/users/:id/mfa removes every factor, ends the user's sessions and is audited; the user then signs in with the password alone", async () => {
    const admin = await adminWithFactor();
    const user = await registerUser(app);
    await enrolTotp(app, user);
    clock.advance(30_000);
    const step = await login(app, user.username, user.password);
    expectError(step, 403, "mfa_required");
    expectError(await app.json("DELETE", `/api/v1/admin/users/${admin.id}/mfa`, undefined, bearer(admin.accessToken)), 409, "cannot_modify_self");
    expect((await app.json("DELETE", `/api/v1/admin/users/${user.id}/mfa`, undefined, bearer(admin.accessToken))).status).toBe(204);
    expectError(await me(app, user.accessToken), 401, "invalid_token");
    // The pending step died with the factors.
    expectError(await app.json("POST", "/api/v1/auth/mfa/verify", { mfa_token: (step.body as unknown as MfaRequiredBody).details.mfa_token, method: "totp", code: "123456" }), 401, "invalid_token");
    const fresh = await newSession(app, user.username, user.password);
    expect((await app.json<{ totp: unknown; recovery_codes_remaining: number }>("GET", "/api/v1/auth/mfa", undefined, bearer(fresh.accessToken))).body).toMatchObject({ totp: null, recovery_codes_remaining: 0 });
    const [event] = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "mfa_reset_by_admin")));
    expect(event!.actorId).toBe(admin.id);
    expect(event!.details).toMatchObject({ removed: { totp: 1 }, sessions_ended: 1 });
  });

  test("the admin user page shows the factors and resets them", async () => {
    const admin = await adminWithFactor();
    const client = new WebClient(app);
    clock.advance(30_000);
    await client.get("/login");
    const first = await client.post("/login", { username_or_email: admin.username, password: admin.password });
    expect(first.location).toStartWith("/login/mfa");
    await client.get(first.location!);
    expect((await client.post("/login/mfa", { method: "totp", code: codeAt(app, admin.seed) })).status).toBe(303);
    const user = await registerUser(app);
    await enrolTotp(app, user);
    const page = await client.get(`/admin/users/${user.id}`);
    expect(page.text).toContain("Two-step verification");
    expect(page.text).toContain("reset-mfa");
    const reset = await client.post(`/admin/users/${user.id}/reset-mfa`);
    expect(reset.status).toBe(303);
    expect(reset.location).toBe(`/admin/users/${user.id}?notice=mfa-reset`);
    expect((await login(app, user.username, user.password)).status).toBe(200);
  });
});
