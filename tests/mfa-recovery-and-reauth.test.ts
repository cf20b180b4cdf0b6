import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { auditLog, recoveryCodes } from "../src/db/schema";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, login, newSession, RELAXED_LIMITS, sha256, START_TIMEOUT_MS, type TokenBody } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { codeAt, enrolTotp, type MfaRequiredBody } from "./helpers/mfa";
import { bearer, registerUser } from "./helpers/users";

const clock = new ManualClock(Math.floor(Date.now() / 30_000) * 30_000 + 10_000);
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ clock, env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const SIX_MINUTES = 6 * 60 * 1000;

async function signInWith(user: { username: string; password: string }, method: string, code: string) {
  const step = await login(app, user.username, user.password);
  expectError(step, 403, "mfa_required");
  const mfaToken = (step.body as unknown as MfaRequiredBody).details.mfa_token;
  return app.json<TokenBody & { code: string }>("POST", "/api/v1/auth/mfa/verify", { mfa_token: mfaToken, method, code });
}

const remaining = async (accessToken: string) => (await app.json<{ recovery_codes_remaining: number }>("GET", "/api/v1/auth/mfa", undefined, bearer(accessToken))).body.recovery_codes_remaining;

describe(`recovery codes (${backendName()})`, () => {
  test("each code signs in once, typed in any case and spacing; only hashes are stored", async () => {
    const user = await registerUser(app);
    const { recoveryCodes: codes } = await enrolTotp(app, user);
    const stored = await app.deps.database.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    expect(stored.map((row) => row.codeHash).sort()).toEqual(codes.map((code) => sha256(code.replaceAll("-", ""))).sort());

    const first = await signInWith(user, "recovery_code", codes[0]!.toUpperCase().replaceAll("-", " "));
    expect(first.status).toBe(200);
    expectError(await signInWith(user, "recovery_code", codes[0]!), 401, "invalid_code");
    expect((await signInWith(user, "recovery_code", codes[1]!)).status).toBe(200);
    expect(await remaining(first.body.access_token)).toBe(8);
    const used = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "recovery_code_used")));
    expect(used.map((event) => event.details.remaining).sort()).toEqual([8, 9]);
  });

  test("regenerating (recent authentication) voids the old set", async () => {
    const user = await registerUser(app);
    const { recoveryCodes: old } = await enrolTotp(app, user);
    const fresh = await app.json<{ recovery_codes: string[] }>("POST", "/api/v1/auth/mfa/recovery-codes", undefined, bearer(user.accessToken));
    expect(fresh.status).toBe(200);
    expect(fresh.body.recovery_codes).toHaveLength(10);
    expect(fresh.body.recovery_codes.some((code) => old.includes(code))).toBe(false);
    expectError(await signInWith(user, "recovery_code", old[0]!), 401, "invalid_code");
    expect((await signInWith(user, "recovery_code", fresh.body.recovery_codes[0]!)).status).toBe(200);
  });

  test("without a factor there are no recovery codes to regenerate", async () => {
    const user = await registerUser(app);
    expectError(await app.json("POST", "/api/v1/auth/mfa/recovery-codes", undefined, bearer(user.accessToken)), 409, "conflict");
  });
});

describe(`recent authentication (${backendName()})`, () => {
  test("sign-up and sign-in are recent for five minutes; then factor changes and token creation answer 403 reauthentication_required", async () => {
    const user = await registerUser(app);
    clock.advance(SIX_MINUTES);
    const auth = bearer(user.accessToken);
    for (const [method, path, body] of [
      ["POST", "/api/v1/auth/mfa/totp/setup", undefined],
      ["POST", "/api/v1/auth/mfa/totp/enable", { code: "123456" }],
      ["DELETE", "/api/v1/auth/mfa/totp", undefined],
      ["POST", "/api/v1/auth/mfa/recovery-codes", undefined],
      ["POST", "/api/v1/auth/tokens", { name: "late", scopes: ["profile:read"] }],
    ] as const) {
      const refused = expectError(await app.json(method, path, body, auth), 403, "reauthentication_required");
      expect(refused.details.max_age_seconds).toBe(300);
    }
    // Reading is not sensitive.
    expect((await app.json("GET", "/api/v1/auth/mfa", undefined, auth)).status).toBe(200);
    // A fresh sign-in is recent again.
    const fresh = await newSession(app, user.username, user.password);
    expect((await app.json("POST", "/api/v1/auth/mfa/totp/setup", undefined, bearer(fresh.accessToken))).status).toBe(200);
  });

  test("POST /auth/reauthenticate with the password renews it; a wrong password is 422 and counted", async () => {
    const user = await registerUser(app);
    clock.advance(SIX_MINUTES);
    const auth = bearer(user.accessToken);
    const wrong = expectError(await app.json("POST", "/api/v1/auth/reauthenticate", { password: "not the password" }, auth), 422, "validation_error");
    expect(Object.keys(wrong.details.fields as object)).toEqual(["password"]);
    expectError(await app.json("POST", "/api/v1/auth/reauthenticate", {}, auth), 422, "validation_error");
    const renewed = await app.json<{ authenticated_at: string; recent_until: string }>("POST", "/api/v1/auth/reauthenticate", { password: user.password }, auth);
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.body.authenticated_at)).toBe(clock.now());
    expect(Date.parse(renewed.body.recent_until)).toBe(clock.now() + 300_000);
    expect((await app.json("POST", "/api/v1/auth/tokens", { name: "now", scopes: ["profile:read"] }, auth)).status).toBe(201);
    const failed = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "reauthentication_failed")));
    expect(failed).toHaveLength(1);
  });

  test("a TOTP or recovery code renews it too, each code once", async () => {
    const user = await registerUser(app);
    const { seed, recoveryCodes: codes } = await enrolTotp(app, user);
    const auth = bearer(user.accessToken);
    clock.advance(SIX_MINUTES);
    expectError(await app.json("POST", "/api/v1/auth/mfa/recovery-codes", undefined, auth), 403, "reauthentication_required");
    expectError(await app.json("POST", "/api/v1/auth/reauthenticate", { method: "totp", code: "000000" }, auth), 400, "invalid_code");
    const code = codeAt(app, seed);
    expect((await app.json("POST", "/api/v1/auth/reauthenticate", { method: "totp", code }, auth)).status).toBe(200);
    expectError(await app.json("POST", "/api/v1/auth/reauthenticate", { method: "totp", code }, auth), 400, "invalid_code");
    clock.advance(SIX_MINUTES);
    expect((await app.json("POST", "/api/v1/auth/reauthenticate", { method: "recovery_code", code: codes[0] }, auth)).status).toBe(200);
    expect((await app.json("POST", "/api/v1/auth/mfa/recovery-codes", undefined, auth)).status).toBe(200);
  });

  test("a session whose refresh keeps it alive does not stay recent: only an authentication renews it", async () => {
    const user = await registerUser(app);
    clock.advance(SIX_MINUTES);
    const refreshed = await app.json<TokenBody>("POST", "/api/v1/auth/refresh", { refresh_token: user.refreshToken });
    expect(refreshed.status).toBe(200);
    expectError(await app.json("POST", "/api/v1/auth/mfa/totp/setup", undefined, bearer(refreshed.body.access_token)), 403, "reauthentication_required");
  });
});
