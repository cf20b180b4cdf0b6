/** Admin user management through the API: create and invite, edit, reset link, end sessions, bulk. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ManualClock } from "../src/clock";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, login, me, RELAXED_LIMITS, type TokenBody, START_TIMEOUT_MS } from "./helpers/auth";
import { outbox, tokenFromLink } from "./helpers/mail";
import { bearer, type RegisteredUser, registerUser, uniqueUser } from "./helpers/users";

let app: TestApp;
let admin: RegisteredUser;
const clock = new ManualClock();

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS, clock });
  admin = await registerAdmin(app);
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const asAdmin = () => bearer(admin.accessToken);
const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = asAdmin()) => app.json<T>(method, `/api/v1/admin${path}`, body, headers);

async function invitationToken(email: string): Promise<string> {
  const message = (await outbox(app)).find((m) => m.to === email && m.text.includes("/invite?token="));
  if (!message) throw new Error(`no invitation to ${email}`);
  return tokenFromLink(message.text, "/invite");
}

interface UserBody {
  id: string;
  username: string;
  email: string;
  email_verified: boolean;
  role: string;
  status: string;
}

describe("create and invite", () => {
  test("creates an account without a password, mails an invitation, and the invitation sets the password and signs in", async () => {
    const input = uniqueUser("invited");
    const created = await call<UserBody>("POST", "/users", { username: input.username, email: input.email.toUpperCase() });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/api/v1/admin/users/${created.body.id}`);
    expect(created.body).toMatchObject({ username: input.username, email: input.email, role: "user", email_verified: false, status: "active" });
    // No password yet: nothing signs in.
    expectError(await login(app, input.username, "any password at all"), 401, "invalid_credentials");

    const token = await invitationToken(input.email);
    const accepted = await app.json<TokenBody>("POST", "/api/v1/auth/accept-invite", { token, password: input.password });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.getSetCookie().some((cookie) => cookie.startsWith("refresh_token="))).toBe(true);
    expect(accepted.body.user).toMatchObject({ id: created.body.id, email_verified: true });
    expect((await me(app, accepted.body.access_token)).status).toBe(200);
    expect((await login(app, input.email, input.password)).status).toBe(200);
    // Once only.
    expectError(await app.json("POST", "/api/v1/auth/accept-invite", { token, password: "another password 123" }), 400, "invalid_token");
  });

  test("an invitation lasts seven days", async () => {
    const input = uniqueUser("late");
    expect((await call("POST", "/users", { username: input.username, email: input.email })).status).toBe(201);
    const token = await invitationToken(input.email);
    clock.advance(7 * 24 * 3600 * 1000 + 1000);
    try {
      expectError(await app.json("POST", "/api/v1/auth/accept-invite", { token, password: input.password }), 400, "expired_token");
    } finally {
      clock.set(Date.now());
    }
  });

  test("a weak password, a bad token and bad fields are 4xx in the error shape", async () => {
    expectError(await app.json("POST", "/api/v1/auth/accept-invite", { token: "nonsense", password: "long enough password" }), 400, "invalid_token");
    expectError(await app.json("POST", "/api/v1/auth/accept-invite", { token: "nonsense", password: "short" }), 422, "validation_error");
    expectError(await app.json("POST", "/api/v1/auth/accept-invite", { password: "long enough password" }), 422, "validation_error");
    expectError(await call("POST", "/users", { username: "ok_name" }), 422, "validation_error");
    expectError(await call("POST", "/users", { username: "ok_name", email: "ok@example.com", role: "root" }), 422, "validation_error");
    expectError(await call("POST", "/users", { username: "no spaces", email: "ok@example.com" }), 422, "validation_error");
    expectError(await call("POST", "/users", { username: 42, email: "ok@example.com" }), 422, "validation_error");
  });

  test("a taken username or email is a 409 naming the field; role admin is honoured", async () => {
    const taken = await call<{ details: { fields: Record<string, string> } }>("POST", "/users", { username: admin.username.toUpperCase(), email: "fresh@example.com" });
    expectError(taken, 409, "conflict");
    expect(Object.keys(taken.body.details.fields)).toEqual(["username"]);
    const input = uniqueUser("boss");
    const created = await call<UserBody>("POST", "/users", { ...input, password: undefined, role: "admin" });
    expect(created.body.role).toBe("admin");
  });

  test("not for a user, nor without a token", async () => {
    const user = await registerUser(app);
    expectError(await call("POST", "/users", uniqueUser(), bearer(user.accessToken)), 403, "forbidden");
    expectError(await call("POST", "/users/bulk", { action: "disable", ids: [admin.id] }, bearer(user.accessToken)), 403, "forbidden");
    expectError(await call("PATCH", `/users/${user.id}`, { username: "x_takeover" }, bearer(user.accessToken)), 403, "forbidden");
    expect((await call("POST", `/users/${user.id}/logout-all`, undefined, {})).status).toBe(401);
  });
});

describe("edit", () => {
  test("changes only what is sent; a new email is unverified, unless the request says verified", async () => {
    const user = await registerUser(app);
    const renamed = await call<UserBody>("PATCH", `/users/${user.id}`, { username: `${user.username}_2` });
    expect(renamed.body).toMatchObject({ username: `${user.username}_2`, email: user.email });
    const verified = await call<UserBody>("PATCH", `/users/${user.id}`, { email_verified: true });
    expect(verified.body.email_verified).toBe(true);
    const moved = await call<UserBody>("PATCH", `/users/${user.id}`, { email: `moved.${user.email}` });
    expect(moved.body).toMatchObject({ email: `moved.${user.email}`, email_verified: false });
    const both = await call<UserBody>("PATCH", `/users/${user.id}`, { email: `again.${user.email}`, email_verified: true });
    expect(both.body.email_verified).toBe(true);
    const audit = await call<{ events: Array<{ details: Record<string, unknown> }> }>("GET", `/audit?user_id=${user.id}&action=admin_user_updated`);
    // Each change is audited with what it changed, from and to.
    expect(audit.body.events.map((event) => event.details)).toContainEqual({ email: { from: `moved.${user.email}`, to: `again.${user.email}` }, email_verified: { from: false, to: true } });
  });

  test("unknown ids, bad ids, wrong types and taken names are refused", async () => {
    const user = await registerUser(app);
    expectError(await call("PATCH", `/users/${crypto.randomUUID()}`, { username: "whoever" }), 404, "not_found");
    expectError(await call("PATCH", "/users/not-a-uuid", { username: "whoever" }), 422, "validation_error");
    expectError(await call("PATCH", `/users/${user.id}`, { email_verified: "yes" }), 422, "validation_error");
    expectError(await call("PATCH", `/users/${user.id}`, { email: "not an email" }), 422, "validation_error");
    expectError(await call("PATCH", `/users/${user.id}`, { email: admin.email }), 409, "conflict");
  });
});

describe("reset link and sessions", () => {
  test("send-reset mails a working reset link; not to a disabled account", async () => {
    const user = await registerUser(app);
    expect((await call("POST", `/users/${user.id}/send-reset`)).status).toBe(204);
    const message = (await outbox(app)).find((m) => m.to === user.email && m.text.includes("/reset-password?token="));
    const token = tokenFromLink(message!.text, "/reset-password");
    expect((await app.json("POST", "/api/v1/auth/reset-password", { token, password: "brand new password 1" })).status).toBe(200);
    expect((await call("PATCH", `/users/${user.id}/disable`)).status).toBe(200);
    expectError(await call("POST", `/users/${user.id}/send-reset`), 403, "account_disabled");
    expectError(await call("POST", `/users/${crypto.randomUUID()}/send-reset`), 404, "not_found");
  });

  test("logout-all ends every session and its access tokens at once; not your own", async () => {
    const user = await registerUser(app);
    const second = await login(app, user.username, user.password);
    const ended = await call<{ sessions_ended: number }>("POST", `/users/${user.id}/logout-all`);
    expect(ended.body).toEqual({ sessions_ended: 2 });
    expectError(await me(app, user.accessToken), 401, "invalid_token");
    expectError(await me(app, second.body.access_token), 401, "invalid_token");
    expectError(await call("POST", `/users/${admin.id}/logout-all`), 409, "cannot_modify_self");
    expectError(await call("POST", `/users/${crypto.randomUUID()}/logout-all`), 404, "not_found");
  });
});

describe("bulk", () => {
  const bulk = (action: string, ids: unknown) => call<{ results: Array<{ id: string; ok: boolean; code?: string }> }>("POST", "/users/bulk", { action, ids });

  test("each id gets its own result; refusals do not stop the others", async () => {
    const [a, b] = [await registerUser(app), await registerUser(app)];
    const missing = crypto.randomUUID();
    const disabled = await bulk("disable", [a.id, missing, admin.id, b.id, a.id]);
    expect(disabled.status).toBe(200);
    expect(disabled.body.results).toEqual([
      { id: a.id, ok: true },
      { id: missing, ok: false, code: "not_found" },
      { id: admin.id, ok: false, code: "cannot_modify_self" },
      { id: b.id, ok: true },
    ]);
    expectError(await me(app, a.accessToken), 401, "invalid_token");
    expect((await bulk("enable", [a.id, b.id])).body.results.every((row) => row.ok)).toBe(true);
    expect((await bulk("logout_all", [b.id])).body.results).toEqual([{ id: b.id, ok: true }]);
    expect((await bulk("delete", [a.id, b.id])).body.results.every((row) => row.ok)).toBe(true);
    expectError(await call("GET", `/users/${a.id}`), 404, "not_found");
  });

  test("disabling or deleting every admin leaves the acting one: others go, yourself is refused", async () => {
    const other = await registerAdmin(app);
    const admins = await call<{ users: UserBody[] }>("GET", "/users?role=admin&per_page=100");
    const ids = admins.body.users.map((user) => user.id);
    const results = (await bulk("delete", ids)).body.results;
    expect(results.find((row) => row.id === admin.id)).toEqual({ id: admin.id, ok: false, code: "cannot_modify_self" });
    expect(results.find((row) => row.id === other.id)).toEqual({ id: other.id, ok: true });
    const left = await call<{ users: UserBody[] }>("GET", "/users?role=admin&status=active");
    expect(left.body.users.map((user) => user.id)).toEqual([admin.id]);
  });

  test("an unknown action, ids that are not ids, none, or more than 100 are a 422", async () => {
    expectError(await bulk("nuke", [admin.id]), 422, "validation_error");
    expectError(await bulk("disable", ["not-a-uuid"]), 422, "validation_error");
    expectError(await bulk("disable", []), 422, "validation_error");
    expectError(await bulk("disable", "everyone"), 422, "validation_error");
    expectError(await bulk("disable", Array.from({ length: 101 }, () => crypto.randomUUID())), 422, "validation_error");
  });
});
