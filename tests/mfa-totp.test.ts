import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { auditLog, mfaChallenges, totpFactors } from "../src/db/schema";
import { runMaintenance } from "../src/maintenance";
import { hotp, matchTotp, totpStep } from "../src/modules/mfa/totp";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, fromIp, login, me, RELAXED_LIMITS, START_TIMEOUT_MS, setCookieHeader, type TokenBody } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { codeAt, enrolTotp, type MfaRequiredBody } from "./helpers/mfa";
import { bearer, registerUser } from "./helpers/users";

// Mid-step, so ±1 step is never a boundary accident.
const clock = new ManualClock(Math.floor(Date.now() / 30_000) * 30_000 + 10_000);
let app: TestApp;

beforeAll(async () => {
  // The per-(account, client) throttle at its default; the rest relaxed.
  app = await startTestApp({ clock, env: { ...RELAXED_LIMITS, RATE_LIMIT_LOGIN_ACCOUNT: "5/900", TRUST_PROXY: "1" } });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const nextStep = () => clock.advance(30_000);
const verify = (mfaToken: string, method: string, code: string, headers: Record<string, string> = {}) =>
  app.json<TokenBody & { code: string; details: { attempts_left?: number } }>("POST", "/api/v1/auth/mfa/verify", { mfa_token: mfaToken, method, code }, headers);

async function mfaLogin(user: { username: string; password: string }, headers: Record<string, string> = {}) {
  const response = await login(app, user.username, user.password, headers);
  expectError(response, 403, "mfa_required");
  return response.body as unknown as MfaRequiredBody & { headers: Headers };
}

describe(`TOTP (${backendName()})`, () => {
  test("the RFC 6238 SHA-1 test vectors", () => {
    const seed = new TextEncoder().encode("12345678901234567890");
    const vectors: Array<[number, string]> = [
      [59, "94287082"],
      [1111111109, "07081804"],
      [1234567890, "89005924"],
      [2000000000, "69279037"],
    ];
    for (const [seconds, code] of vectors) expect(hotp(seed, totpStep(seconds * 1000), 8)).toBe(code);
    const now = 1234567890_000;
    expect(matchTotp(seed, hotp(seed, totpStep(now)), now, null)).toBe(totpStep(now));
    expect(matchTotp(seed, hotp(seed, totpStep(now)), now, totpStep(now))).toBeNull();
  });

  test("setup gives a seed, an otpauth URL and an SVG QR code; a wrong first code is refused; the right one enables it with ten recovery codes", async () => {
    const user = await registerUser(app);
    const setup = await app.json<{ secret: string; otpauth_url: string; qr_svg: string }>("POST", "/api/v1/auth/mfa/totp/setup", undefined, bearer(user.accessToken));
    expect(setup.status).toBe(200);
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.otpauth_url).toStartWith("otpauth://totp/");
    expect(setup.body.otpauth_url).toContain(`secret=${setup.body.secret}`);
    expect(setup.body.qr_svg).toStartWith("<svg");
    expect(setup.body.qr_svg).not.toContain("<script");
    // Nothing is active yet: the sign-in needs no second step.
    expect((await login(app, user.username, user.password)).status).toBe(200);
    expectError(await app.json("POST", "/api/v1/auth/mfa/totp/enable", { code: "000000" }, bearer(user.accessToken)), 400, "invalid_code");

    const { recoveryCodes } = await enrolTotp(app, user);
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect(new Set(recoveryCodes).size).toBe(10);
    const status = await app.json<{ totp: { enabled: boolean } | null; recovery_codes_remaining: number; passkeys: unknown[] }>("GET", "/api/v1/auth/mfa", undefined, bearer(user.accessToken));
    expect(status.body).toMatchObject({ totp: { enabled: true }, recovery_codes_remaining: 10, passkeys: [] });
    // The seed is sealed at rest.
    const [row] = await app.deps.database.db.select().from(totpFactors).where(eq(totpFactors.userId, user.id));
    expect(row!.secretSealed).toStartWith("v1.");
    expect(row!.secretSealed).not.toContain(setup.body.secret);
    // A second setup while enabled is refused.
    expectError(await app.json("POST", "/api/v1/auth/mfa/totp/setup", undefined, bearer(user.accessToken)), 409, "conflict");
  });

  test("enrolling the first factor ends the user's other sessions and keeps this one", async () => {
    const user = await registerUser(app);
    const other = await login(app, user.username, user.password);
    await enrolTotp(app, user);
    expect((await me(app, user.accessToken)).status).toBe(200);
    expectError(await me(app, other.body.access_token), 401, "invalid_token");
    const events = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "mfa_enabled")));
    expect(events[0]!.details).toMatchObject({ method: "totp", first_factor: true, sessions_ended: 1 });
  });

  test("a right password answers 403 mfa_required with no cookie; the current step's code finishes the sign-in like a login", async () => {
    const user = await registerUser(app);
    const { seed } = await enrolTotp(app, user);
    nextStep();
    const response = await login(app, user.username, user.password);
    const body = expectError(response, 403, "mfa_required");
    expect(body.details).toMatchObject({ methods: ["totp", "recovery_code"], expires_in: 300 });
    expect(String(body.details.mfa_token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(response.headers.getSetCookie()).toEqual([]);
    const done = await verify(String(body.details.mfa_token), "totp", codeAt(app, seed));
    expect(done.status).toBe(200);
    expect(done.body.token_type).toBe("Bearer");
    expect(done.body.user.id).toBe(user.id);
    expect(setCookieHeader(done, "refresh_token")).toBeDefined();
    expect(setCookieHeader(done, "device")).toBeDefined();
    expect((await me(app, done.body.access_token)).status).toBe(200);
    // The token is single use.
    expectError(await verify(String(body.details.mfa_token), "totp", codeAt(app, seed, 1)), 401, "invalid_token");
  });

  test("one step either way is accepted, two are refused, and a code is never accepted twice", async () => {
    const user = await registerUser(app);
    const { seed } = await enrolTotp(app, user);
    for (const offset of [-1, 1]) {
      clock.advance(90_000); // past every step used so far
      const step = await mfaLogin(user);
      expect((await verify(step.details.mfa_token, "totp", codeAt(app, seed, offset))).status).toBe(200);
    }
    clock.advance(90_000);
    for (const offset of [-2, 2]) {
      const step = await mfaLogin(user);
      expectError(await verify(step.details.mfa_token, "totp", codeAt(app, seed, offset)), 401, "invalid_code");
    }
    // Replay: the code that signed in is refused on the next attempt in its window, and so is an older one.
    const first = await mfaLogin(user);
    const code = codeAt(app, seed);
    expect((await verify(first.details.mfa_token, "totp", code)).status).toBe(200);
    const again = await mfaLogin(user);
    expectError(await verify(again.details.mfa_token, "totp", code), 401, "invalid_code");
    expectError(await verify(again.details.mfa_token, "totp", codeAt(app, seed, -1)), 401, "invalid_code");
    expect((await verify(again.details.mfa_token, "totp", codeAt(app, seed, 1))).status).toBe(200);
  });

  test("five wrong codes kill the mfa_token and count in the account's throttle", async () => {
    const user = await registerUser(app);
    const { seed } = await enrolTotp(app, user);
    nextStep();
    const client = fromIp("203.0.113.50");
    const step = await mfaLogin(user, client);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const wrong = expectError(await verify(step.details.mfa_token, "totp", "000000", client), 401, "invalid_code");
      expect(wrong.details.attempts_left).toBe(5 - attempt);
    }
    expectError(await verify(step.details.mfa_token, "totp", codeAt(app, seed), client), 401, "invalid_token");
    const failed = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "mfa_failed")));
    expect(failed).toHaveLength(5);
    // The same per-(account, client) count as wrong passwords: this client now waits, even with the right password.
    expectError(await login(app, user.username, user.password, client), 429, "rate_limited");
    // Another client is not locked out by it.
    expect((await login(app, user.username, user.password, fromIp("198.51.100.7"))).status).toBe(403);
  });

  test("the mfa_token works only for the client it was issued to, and for five minutes", async () => {
    const user = await registerUser(app);
    const { seed } = await enrolTotp(app, user);
    nextStep();
    const step = await mfaLogin(user, fromIp("203.0.113.60"));
    expectError(await verify(step.details.mfa_token, "totp", codeAt(app, seed), fromIp("203.0.113.61")), 401, "invalid_token");
    expectError(await verify("not-a-token", "totp", codeAt(app, seed)), 401, "invalid_token");
    clock.advance(301_000);
    expectError(await verify(step.details.mfa_token, "totp", codeAt(app, seed), fromIp("203.0.113.60")), 401, "invalid_token");
    // The periodic clean-up removes expired steps.
    expect((await runMaintenance(app.deps)).mfaChallenges).toBeGreaterThan(0);
    expect(await app.deps.database.db.select().from(mfaChallenges).where(eq(mfaChallenges.userId, user.id))).toEqual([]);
  });

  test("removing the app (recent authentication) ends the second step and the recovery codes", async () => {
    const user = await registerUser(app);
    await enrolTotp(app, user);
    const removed = await app.json("DELETE", "/api/v1/auth/mfa/totp", undefined, bearer(user.accessToken));
    expect(removed.status).toBe(204);
    const status = await app.json<{ totp: unknown; recovery_codes_remaining: number }>("GET", "/api/v1/auth/mfa", undefined, bearer(user.accessToken));
    expect(status.body).toMatchObject({ totp: null, recovery_codes_remaining: 0 });
    expect((await login(app, user.username, user.password)).status).toBe(200);
    expectError(await app.json("DELETE", "/api/v1/auth/mfa/totp", undefined, bearer(user.accessToken)), 404, "not_found");
    const disabled = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "mfa_disabled")));
    expect(disabled).toHaveLength(1);
  });
});
