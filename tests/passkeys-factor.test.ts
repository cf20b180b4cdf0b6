/**
 * A passkey as a second factor and for re-authentication (docs/passkeys.md): the sign-in step
 * offers it, its options list only the user's passkeys and answer only to that step, someone
 * else's passkey or a challenge issued for another purpose fails like a wrong code; a
 * passwordless sign-in needs no second step; re-authentication with a passkey; enrolment and
 * removal follow the factor rules (other sessions end, recovery codes come and go).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ManualClock } from "../src/clock";
import { startTestApp, type TestApp } from "./helpers/app";
import { type ErrorBody, expectError, login, me, RELAXED_LIMITS, START_TIMEOUT_MS, type TokenBody } from "./helpers/auth";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";
import { enrolPasskey } from "./helpers/mfa";

const clock = new ManualClock();
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ clock, env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

type Options = { challenge: string; user?: { id: string }; allowCredentials?: { id: string }[] };

async function signInStep(user: RegisteredUser): Promise<{ mfaToken: string; methods: string[] }> {
  const step = await login(app, user.username, user.password);
  expectError(step, 403, "mfa_required");
  const details = (step.body as unknown as ErrorBody).details as { mfa_token: string; methods: string[] };
  return { mfaToken: details.mfa_token, methods: details.methods };
}

const factorOptions = (mfaToken: string) => app.json<{ options: Options }>("POST", "/api/v1/auth/mfa/passkey/options", { mfa_token: mfaToken });
const verify = (mfaToken: string, credential: unknown) => app.json<TokenBody & ErrorBody>("POST", "/api/v1/auth/mfa/verify", { mfa_token: mfaToken, method: "passkey", credential });

describe("as a second factor", () => {
  test("password + passkey: the step offers the passkey, its options list only the user's passkeys, and the assertion finishes the sign-in", async () => {
    const user = await registerUser(app);
    const other = await registerUser(app);
    const { key } = await enrolPasskey(app, user.accessToken);
    await enrolPasskey(app, other.accessToken);
    const { mfaToken, methods } = await signInStep(user);
    expect(methods).toEqual(["passkey", "recovery_code"]);
    const options = await factorOptions(mfaToken);
    expect(options.status).toBe(200);
    expect(options.body.options.allowCredentials?.map((c) => c.id)).toEqual([key.credentialId]);
    const done = await verify(mfaToken, key.assert(options.body.options));
    expect(done.status).toBe(200);
    expect((await me(app, done.body.access_token)).body.id).toBe(user.id);
  });

  test("someone else's passkey, a passwordless challenge, a replay or a foreign origin counts as a wrong code; the step survives until five", async () => {
    const user = await registerUser(app);
    const other = await registerUser(app);
    const { key } = await enrolPasskey(app, user.accessToken);
    const { key: otherKey } = await enrolPasskey(app, other.accessToken);
    const { mfaToken } = await signInStep(user);
    const wrong = async (credential: unknown, left: number) => {
      const response = await verify(mfaToken, credential);
      expectError(response, 401, "invalid_code");
      expect(response.body.details.attempts_left).toBe(left);
    };
    await wrong(otherKey.assert((await factorOptions(mfaToken)).body.options), 4);
    const passwordless = (await app.json<{ options: Options }>("POST", "/api/v1/auth/passkey/login/options")).body.options;
    await wrong(key.assert(passwordless), 3);
    await wrong(key.assert((await factorOptions(mfaToken)).body.options, { origin: "https://evil.example" }), 2);
    const good = key.assert((await factorOptions(mfaToken)).body.options);
    expect((await verify(mfaToken, good)).status).toBe(200);
    // The step is spent; a second use of the same answer on a new step fails too.
    const again = await signInStep(user);
    const replay = await verify(again.mfaToken, good);
    expectError(replay, 401, "invalid_code");
  });

  test("options need a live mfa_token (the step's own checks, client binding included, are findSignInStep's); a passkey answer needs its credential", async () => {
    const user = await registerUser(app);
    await enrolPasskey(app, user.accessToken);
    expectError(await factorOptions("not-a-token"), 401, "invalid_token");
    const { mfaToken } = await signInStep(user);
    expectError(await app.json("POST", "/api/v1/auth/mfa/verify", { mfa_token: mfaToken, method: "passkey" }), 422, "validation_error");
    clock.advance(5 * 60 * 1000 + 1000);
    expectError(await factorOptions(mfaToken), 401, "invalid_token");
  });

  test("a passwordless passkey sign-in needs no second step, and is a recent authentication", async () => {
    const user = await registerUser(app);
    const { key } = await enrolPasskey(app, user.accessToken);
    const round = (await app.json<{ challenge_id: string; options: Options }>("POST", "/api/v1/auth/passkey/login/options")).body;
    const signed = await app.json<TokenBody>("POST", "/api/v1/auth/passkey/login", { challenge_id: round.challenge_id, credential: key.assert(round.options) });
    expect(signed.status).toBe(200);
    expect((await app.json("POST", "/api/v1/auth/passkeys/options", undefined, bearer(signed.body.access_token))).status).toBe(200);
  });
});

describe("enrolment, removal and re-authentication", () => {
  test("the first passkey ends the other sessions and brings recovery codes; removing the last one takes the codes", async () => {
    const user = await registerUser(app);
    const elsewhere = await login(app, user.username, user.password);
    const { passkey } = await enrolPasskey(app, user.accessToken);
    expect(passkey.recovery_codes).toHaveLength(10);
    expectError(await me(app, elsewhere.body.access_token), 401, "invalid_token");
    expect((await me(app, user.accessToken)).status).toBe(200);
    clock.advance(1000);
    const second = await enrolPasskey(app, user.accessToken);
    expect(second.passkey.recovery_codes).toEqual([]);
    const status = await app.json<{ passkeys: { id: string }[]; recovery_codes_remaining: number }>("GET", "/api/v1/auth/mfa", undefined, bearer(user.accessToken));
    expect(status.body.passkeys.map((p) => p.id)).toEqual([passkey.id, second.passkey.id]);
    for (const id of [passkey.id, second.passkey.id]) expect((await app.json("DELETE", `/api/v1/auth/passkeys/${id}`, undefined, bearer(user.accessToken))).status).toBe(204);
    const after = await app.json<{ passkeys: unknown[]; recovery_codes_remaining: number }>("GET", "/api/v1/auth/mfa", undefined, bearer(user.accessToken));
    expect(after.body).toMatchObject({ passkeys: [], recovery_codes_remaining: 0 });
    // No factor left: a password alone signs in again.
    expect((await login(app, user.username, user.password)).status).toBe(200);
  });

  test("after five minutes, changes need a re-authentication, and a passkey gives one", async () => {
    const user = await registerUser(app);
    const { key, passkey } = await enrolPasskey(app, user.accessToken);
    clock.advance(6 * 60 * 1000);
    expectError(await app.json("DELETE", `/api/v1/auth/passkeys/${passkey.id}`, undefined, bearer(user.accessToken)), 403, "reauthentication_required");
    expectError(await app.json("POST", "/api/v1/auth/passkeys/options", undefined, bearer(user.accessToken)), 403, "reauthentication_required");
    const options = (await app.json<{ options: Options }>("POST", "/api/v1/auth/reauthenticate/passkey/options", undefined, bearer(user.accessToken))).body.options;
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([key.credentialId]);
    // An answer to another session's or a sign-in's challenge does not count here.
    const passwordless = (await app.json<{ options: Options }>("POST", "/api/v1/auth/passkey/login/options")).body.options;
    expectError(await app.json("POST", "/api/v1/auth/reauthenticate", { method: "passkey", credential: key.assert(passwordless) }, bearer(user.accessToken)), 400, "invalid_code");
    const renewed = await app.json<{ authenticated_at: string }>("POST", "/api/v1/auth/reauthenticate", { method: "passkey", credential: key.assert(options) }, bearer(user.accessToken));
    expect(renewed.status).toBe(200);
    expect((await app.json("POST", "/api/v1/auth/passkeys/options", undefined, bearer(user.accessToken))).status).toBe(200);
  });
});
