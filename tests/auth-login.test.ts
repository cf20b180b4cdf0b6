import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { eq } from "drizzle-orm";
import { sessions, users } from "../src/db/schema";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, fromIp, login, me, RELAXED_LIMITS, START_TIMEOUT_MS, setCookieHeader } from "./helpers/auth";
import { registerUser } from "./helpers/users";

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { ...RELAXED_LIMITS, TRUST_PROXY: "1" } });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

function spyOnVerify() {
  const spy = spyOn(Bun.password, "verify");
  restore = () => spy.mockRestore();
  return spy;
}

async function storedUser(id: string) {
  const [row] = await app.deps.database.db.select().from(users).where(eq(users.id, id));
  return row!;
}

describe("POST /auth/login", () => {
  test("signs in by username with the token response and a new refresh cookie", async () => {
    const user = await registerUser(app);
    const response = await login(app, user.username, user.password);
    expect(response.status).toBe(200);
    expect(response.body.token_type).toBe("Bearer");
    expect(response.body.expires_in).toBe(900);
    expect(response.body.user).toMatchObject({ id: user.id, username: user.username, email: user.email, role: "user", email_verified: false });
    expect(response.refreshToken).toBeTruthy();
    expect(response.refreshToken).not.toBe(user.refreshToken);
    expect(setCookieHeader(response, "refresh_token")!.toLowerCase()).toContain("httponly");
    expect((await me(app, response.body.access_token)).status).toBe(200);
    expect(JSON.stringify(response.body)).not.toContain(user.password);
  });

  test("signs in by email", async () => {
    const user = await registerUser(app);
    const response = await login(app, user.email, user.password);
    expect(response.status).toBe(200);
    expect(response.body.user.id).toBe(user.id);
  });

  test("username and email match case-insensitively", async () => {
    const user = await registerUser(app);
    expect((await login(app, user.username.toUpperCase(), user.password)).body.user?.id).toBe(user.id);
    expect((await login(app, user.email.toUpperCase(), user.password)).body.user?.id).toBe(user.id);
  });

  test("the password is case-sensitive", async () => {
    const user = await registerUser(app);
    expectError(await login(app, user.username, user.password.toUpperCase()), 401, "invalid_credentials");
  });

  test("each sign-in opens its own session", async () => {
    const user = await registerUser(app);
    await login(app, user.username, user.password);
    await login(app, user.username, user.password);
    const rows = await app.deps.database.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(rows).toHaveLength(3);
  });

  test("a wrong password and an unknown account get the same 401 body", async () => {
    const user = await registerUser(app);
    const wrong = await login(app, user.username, "not the password at all");
    const unknown = await login(app, `nobody-${crypto.randomUUID()}`, "not the password at all");
    const wrongBody = expectError(wrong, 401, "invalid_credentials");
    const unknownBody = expectError(unknown, 401, "invalid_credentials");
    const { request_id: _a, ...wrongRest } = wrongBody;
    const { request_id: _b, ...unknownRest } = unknownBody;
    expect(unknownRest).toEqual(wrongRest);
    expect(wrong.refreshToken).toBeUndefined();
    expect(unknown.refreshToken).toBeUndefined();
  });

  test("an unknown account costs exactly one Argon2 verification, like a wrong password", async () => {
    const user = await registerUser(app);
    await login(app, `warm-${crypto.randomUUID()}`, "warm up the dummy hash");
    const verify = spyOnVerify();

    await login(app, `nobody-${crypto.randomUUID()}`, "some password");
    expect(verify).toHaveBeenCalledTimes(1);
    await login(app, user.username, "wrong password here");
    expect(verify).toHaveBeenCalledTimes(2);
    await login(app, `nobody-${crypto.randomUUID()}@example.com`, "some password");
    expect(verify).toHaveBeenCalledTimes(3);
  });

  test("a disabled account answers 403 account_disabled only after the right password", async () => {
    const user = await registerUser(app);
    await app.deps.database.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    expectError(await login(app, user.username, "wrong password here"), 401, "invalid_credentials");
    const refused = await login(app, user.username, user.password);
    expectError(refused, 403, "account_disabled");
    expect(refused.refreshToken).toBeUndefined();
  });

  test("a hash made with other Argon2 parameters is upgraded to the configured cost on sign-in", async () => {
    const user = await registerUser(app);
    expect((await storedUser(user.id)).passwordHash).toContain("m=1024,t=1");
    const oldHash = await Bun.password.hash(user.password, { algorithm: "argon2id", memoryCost: 2048, timeCost: 1 });
    await app.deps.database.db.update(users).set({ passwordHash: oldHash }).where(eq(users.id, user.id));

    expect((await login(app, user.username, user.password)).status).toBe(200);
    const upgraded = (await storedUser(user.id)).passwordHash;
    expect(upgraded).not.toBe(oldHash);
    expect(upgraded).toMatch(/^\$argon2id\$v=\d+\$m=1024,t=1,p=\d+\$/);
    expect(await Bun.password.verify(user.password, upgraded!)).toBe(true);
    expect((await login(app, user.username, user.password)).status).toBe(200);
  });

  test("a wrong password does not touch the stored hash", async () => {
    const user = await registerUser(app);
    const oldHash = await Bun.password.hash(user.password, { algorithm: "argon2id", memoryCost: 2048, timeCost: 1 });
    await app.deps.database.db.update(users).set({ passwordHash: oldHash }).where(eq(users.id, user.id));
    expect((await login(app, user.username, "wrong password here")).status).toBe(401);
    expect((await storedUser(user.id)).passwordHash).toBe(oldHash);
  });

  test("records last_login_at, the client IP and the user agent", async () => {
    const user = await registerUser(app);
    const before = Date.now();
    const response = await login(app, user.username, user.password, { ...fromIp("203.0.113.77"), "user-agent": "CobaltTest/1.0 (login)" });
    expect(response.status).toBe(200);
    const row = await storedUser(user.id);
    expect(row.lastLoginIp).toBe("203.0.113.77");
    expect(row.lastLoginUserAgent).toBe("CobaltTest/1.0 (login)");
    expect(row.lastLoginAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row.lastLoginAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  test("a failed sign-in does not update last_login", async () => {
    const user = await registerUser(app);
    const before = await storedUser(user.id);
    await login(app, user.username, "wrong password here", { ...fromIp("198.51.100.1"), "user-agent": "Attacker/1.0" });
    const after = await storedUser(user.id);
    expect(after.lastLoginIp).toBe(before.lastLoginIp);
    expect(after.lastLoginUserAgent).toBe(before.lastLoginUserAgent);
    expect(after.lastLoginAt?.getTime()).toBe(before.lastLoginAt?.getTime());
  });

  test("missing or mistyped fields are a 422 naming the field", async () => {
    const missing = await app.json("POST", "/api/v1/auth/login", { username_or_email: "someone" });
    const body = expectError(missing, 422, "validation_error");
    expect(Object.keys(body.details.fields as object)).toContain("password");
    const typed = await app.json("POST", "/api/v1/auth/login", { username_or_email: 42, password: "whatever1" });
    expect(Object.keys(expectError(typed, 422, "validation_error").details.fields as object)).toContain("username_or_email");
  });

  test("SQL in the login name is just an unknown account", async () => {
    expectError(await login(app, "' or '1'='1", "' or '1'='1"), 401, "invalid_credentials");
    expectError(await login(app, "admin'--", "x"), 401, "invalid_credentials");
  });
});
