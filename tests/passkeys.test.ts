/**
 * Passkeys over the API with a software authenticator (tests/helpers/webauthn.ts): registration,
 * the passwordless sign-in, and every way a response must be refused — bad origin, bad RP id, a
 * reused challenge (also under real concurrency), a counter that goes backwards, someone else's
 * credential, an unknown one, no user verification, another session's challenge.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { auditLog, passkeys, users } from "../src/db/schema";
import { updateUserRows } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { decodeJwt, expectError, newSession, RELAXED_LIMITS, setCookieHeader, START_TIMEOUT_MS, UUID_RE } from "./helpers/auth";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";
import { FLAGS, SoftPasskey } from "./helpers/webauthn";

const clock = new ManualClock();
let app: TestApp;
let second: TestApp;
const RP = { origin: "http://localhost:3000", rpId: "localhost" };

beforeAll(async () => {
  app = await startTestApp({ clock, env: RELAXED_LIMITS });
  // A second instance on the same database and store: a challenge is spent on every instance at once.
  second = await startTestApp({ shareWith: app, env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(async () => {
  await second.stop();
  await app.stop();
});

type Options = { challenge: string; user?: { id: string }; rp?: { id: string }; allowCredentials?: unknown[]; excludeCredentials?: { id: string }[]; authenticatorSelection?: Record<string, string> };

async function registrationOptions(user: RegisteredUser, token = user.accessToken) {
  const response = await app.json<{ options: Options }>("POST", "/api/v1/auth/passkeys/options", undefined, bearer(token));
  if (response.status !== 200) throw new Error(`options: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.options;
}

async function addPasskey(user: RegisteredUser, name?: string) {
  const key = new SoftPasskey(RP);
  const credential = key.register(await registrationOptions(user));
  const response = await app.json<{ id: string; name: string }>("POST", "/api/v1/auth/passkeys", { name, credential }, bearer(user.accessToken));
  if (response.status !== 201) throw new Error(`register: ${response.status} ${JSON.stringify(response.body)}`);
  return { key, passkey: response.body };
}

async function loginOptions(via = app) {
  const response = await via.json<{ challenge_id: string; options: Options }>("POST", "/api/v1/auth/passkey/login/options");
  expect(response.status).toBe(200);
  return response.body;
}

const signIn = (challengeId: string, credential: unknown, via = app) => via.json<{ access_token: string; user: { id: string } }>("POST", "/api/v1/auth/passkey/login", { challenge_id: challengeId, credential });

describe("registering", () => {
  test("options ask for a discoverable credential with user verification, exclude the user's passkeys, and a passkey is stored with what verifying it needs", async () => {
    const user = await registerUser(app);
    const options = await registrationOptions(user);
    expect(options.rp?.id).toBe("localhost");
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(Buffer.from(options.user!.id, "base64url").toString("hex")).toBe(user.id.replaceAll("-", ""));

    const key = new SoftPasskey(RP);
    const response = await app.json<Record<string, unknown>>("POST", "/api/v1/auth/passkeys", { name: "Laptop", credential: key.register(options) }, bearer(user.accessToken));
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe("/api/v1/auth/passkeys");
    expect(response.body).toMatchObject({ name: "Laptop", backed_up: false, device_type: "singleDevice", transports: ["internal"], last_used_at: null });
    // The account's first second factor: ten recovery codes, in this answer only.
    expect(response.body.recovery_codes as string[]).toHaveLength(10);
    expect(response.body.id).toMatch(UUID_RE);

    const [row] = await app.deps.database.db.select().from(passkeys).where(eq(passkeys.userId, user.id));
    expect(row).toMatchObject({ credentialId: key.credentialId, counter: 0, aaguid: "00000000-0000-0000-0000-000000000000" });
    expect(row!.publicKey.length).toBeGreaterThan(50);
    const audit = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "passkey_added")));
    expect(audit).toHaveLength(1);

    const again = await registrationOptions(user);
    expect(again.excludeCredentials?.map((c) => c.id)).toEqual([key.credentialId]);
    // The same authenticator registered twice is one key, not two.
    const duplicate = await app.json("POST", "/api/v1/auth/passkeys", { credential: key.register(again) }, bearer(user.accessToken));
    expectError(duplicate, 409, "conflict");
  });

  test("an unnamed passkey gets a numbered name; list, rename and remove are the owner's only", async () => {
    const user = await registerUser(app);
    const other = await registerUser(app);
    const { passkey } = await addPasskey(user);
    expect(passkey.name).toBe("Passkey 1");
    const renamed = await app.json<{ name: string }>("PATCH", `/api/v1/auth/passkeys/${passkey.id}`, { name: "  Phone  " }, bearer(user.accessToken));
    expect(renamed.body.name).toBe("Phone");
    expectError(await app.json("PATCH", `/api/v1/auth/passkeys/${passkey.id}`, { name: "mine now" }, bearer(other.accessToken)), 404, "not_found");
    expectError(await app.json("DELETE", `/api/v1/auth/passkeys/${passkey.id}`, undefined, bearer(other.accessToken)), 404, "not_found");
    expectError(await app.json("PATCH", `/api/v1/auth/passkeys/${passkey.id}`, { name: "" }, bearer(user.accessToken)), 422, "validation_error");
    const list = await app.json<{ passkeys: { id: string; name: string }[] }>("GET", "/api/v1/auth/passkeys", undefined, bearer(user.accessToken));
    expect(list.body.passkeys.map((p) => p.name)).toEqual(["Phone"]);
    expect((await app.json("DELETE", `/api/v1/auth/passkeys/${passkey.id}`, undefined, bearer(user.accessToken))).status).toBe(204);
    expect((await app.json<{ passkeys: unknown[] }>("GET", "/api/v1/auth/passkeys", undefined, bearer(user.accessToken))).body.passkeys).toEqual([]);
    const audit = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "passkey_removed")));
    expect(audit).toHaveLength(1);
  });

  test("a response for another origin, another RP id, without user verification, or for another session's challenge is refused", async () => {
    const user = await registerUser(app);
    const cases: [string, (options: Options, key: SoftPasskey) => unknown][] = [
      ["bad origin", (o, k) => k.register(o, { origin: "https://evil.example" })],
      ["bad RP id", (o, k) => k.register(o, { rpId: "evil.example" })],
      ["no user verification", (o, k) => k.register(o, { flags: FLAGS.UP })],
      ["an assertion type", (o, k) => k.register(o, { type: "webauthn.get" })],
      ["an invented challenge", (o, k) => k.register(o, { challenge: Buffer.alloc(32, 7).toString("base64url") })],
    ];
    for (const [name, make] of cases) {
      const response = await app.json("POST", "/api/v1/auth/passkeys", { credential: make(await registrationOptions(user), new SoftPasskey(RP)) }, bearer(user.accessToken));
      if (response.status !== 400) throw new Error(`${name}: ${response.status}`);
      expectError(response, 400, "invalid_passkey");
    }
    // Options fetched by one session cannot be answered from another of the same user.
    const otherSession = await newSession(app, user.username, user.password);
    const options = await registrationOptions(user, otherSession.accessToken);
    expectError(await app.json("POST", "/api/v1/auth/passkeys", { credential: new SoftPasskey(RP).register(options) }, bearer(user.accessToken)), 400, "invalid_passkey");
    expect(await app.deps.database.db.select().from(passkeys).where(eq(passkeys.userId, user.id))).toEqual([]);
  });

  test("a malformed credential is a 422, never a 500", async () => {
    const user = await registerUser(app);
    for (const credential of [{}, { id: "x", rawId: "x", type: "public-key", response: { clientDataJSON: "!!", attestationObject: "AA" } }, { id: "AA", rawId: "AA", type: "public-key", response: { clientDataJSON: "AA", attestationObject: "AA" } }]) {
      const response = await app.json("POST", "/api/v1/auth/passkeys", { credential }, bearer(user.accessToken));
      expect([400, 422]).toContain(response.status);
    }
  });

  test("registration needs a recent sign-in of this session", async () => {
    const user = await registerUser(app);
    clock.advance(6 * 60 * 1000);
    // The session made at sign-up is no longer recent; a new sign-in is, for five minutes.
    expectError(await app.json("POST", "/api/v1/auth/passkeys/options", undefined, bearer(user.accessToken)), 403, "reauthentication_required");
    const { accessToken } = await newSession(app, user.username, user.password);
    const fresh = await app.json("POST", "/api/v1/auth/passkeys/options", undefined, bearer(accessToken));
    expect(fresh.status).toBe(200);
    clock.advance(6 * 60 * 1000);
    expectError(await app.json("POST", "/api/v1/auth/passkeys/options", undefined, bearer(accessToken)), 403, "reauthentication_required");
  });
});

describe("signing in without a password", () => {
  test("a discoverable passkey signs in: token response, refresh and device cookies, audited passkey_login, counter and last use recorded", async () => {
    const user = await registerUser(app);
    const { key, passkey } = await addPasskey(user, "Laptop");
    const { challenge_id, options } = await loginOptions();
    expect(options.allowCredentials ?? []).toEqual([]);
    const response = await signIn(challenge_id, key.assert(options));
    expect(response.status).toBe(200);
    expect(response.body.user.id).toBe(user.id);
    expect(setCookieHeader(response, "refresh_token")).toContain("HttpOnly");
    expect(setCookieHeader(response, "device")).toBeTruthy();
    const sid = decodeJwt(response.body.access_token).payload.sid as string;
    const me = await app.json<{ id: string }>("GET", "/api/v1/auth/me", undefined, bearer(response.body.access_token));
    expect(me.body.id).toBe(user.id);
    const [event] = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "passkey_login")));
    expect(event!.details).toEqual({ session_id: sid, passkey_id: passkey.id });
    const [row] = await app.deps.database.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
    expect(row!.counter).toBe(1);
    expect(row!.lastUsedAt).not.toBeNull();
    // A session that a passkey started counts as a recent sign-in.
    expect((await app.json("POST", "/api/v1/auth/passkeys/options", undefined, bearer(response.body.access_token))).status).toBe(200);
  });

  test("a used challenge is refused, also when two instances get it at the same moment", async () => {
    const user = await registerUser(app);
    const { key } = await addPasskey(user);
    const { challenge_id, options } = await loginOptions();
    const credential = key.assert(options);
    expect((await signIn(challenge_id, credential)).status).toBe(200);
    expectError(await signIn(challenge_id, credential), 401, "invalid_passkey");

    for (let round = 0; round < 5; round++) {
      const fresh = await loginOptions();
      const answer = key.assert(fresh.options);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => signIn(fresh.challenge_id, answer, i % 2 ? second : app)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 200)) expectError(r, 401, "invalid_passkey");
    }
  });

  test("a counter that does not move forward is refused (a cloned authenticator)", async () => {
    const user = await registerUser(app);
    const { key } = await addPasskey(user);
    let round = await loginOptions();
    expect((await signIn(round.challenge_id, key.assert(round.options, { counter: 10 }))).status).toBe(200);
    round = await loginOptions();
    expectError(await signIn(round.challenge_id, key.assert(round.options, { counter: 9 })), 401, "invalid_passkey");
    round = await loginOptions();
    expectError(await signIn(round.challenge_id, key.assert(round.options, { counter: 10 })), 401, "invalid_passkey");
    round = await loginOptions();
    expect((await signIn(round.challenge_id, key.assert(round.options, { counter: 11 }))).status).toBe(200);
  });

  test("bad origin, bad RP id, no user verification, another challenge id, an unknown credential, a wrong signature or a foreign user handle are refused", async () => {
    const user = await registerUser(app);
    const other = await registerUser(app);
    const { key } = await addPasskey(user);
    await addPasskey(other);
    const stranger = new SoftPasskey(RP);
    const cases: [string, (round: { challenge_id: string; options: Options }) => [string, unknown]][] = [
      ["bad origin", (r) => [r.challenge_id, key.assert(r.options, { origin: "https://evil.example" })]],
      ["bad RP id", (r) => [r.challenge_id, key.assert(r.options, { rpId: "evil.example" })]],
      ["no user verification", (r) => [r.challenge_id, key.assert(r.options, { flags: FLAGS.UP })]],
      ["not even present", (r) => [r.challenge_id, key.assert(r.options, { flags: FLAGS.UV })]],
      ["another challenge id", (r) => ["someone-elses-challenge-id", key.assert(r.options)]],
      ["an unknown credential", (r) => [r.challenge_id, stranger.assert(r.options)]],
      ["a registration type", (r) => [r.challenge_id, key.assert(r.options, { type: "webauthn.create" })]],
      ["someone else's user handle", (r) => [r.challenge_id, key.assert(r.options, { userHandle: Buffer.from(other.id.replaceAll("-", ""), "hex").toString("base64url") })]],
      ["a challenge never issued", () => ["x", key.assert({ challenge: "bmV2ZXItaXNzdWVk" })]],
    ];
    for (const [name, make] of cases) {
      const [challengeId, credential] = make(await loginOptions());
      const response = await signIn(challengeId, credential);
      if (response.status !== 401) throw new Error(`${name}: ${response.status} ${JSON.stringify(response.body)}`);
      expectError(response, 401, "invalid_passkey");
    }
    // A forged signature: someone else's key signing for this credential id.
    const round = await loginOptions();
    const forged = stranger.assert(round.options);
    const honest = key.assert(round.options);
    expectError(await signIn(round.challenge_id, { ...honest, response: { ...honest.response, signature: forged.response.signature } }), 401, "invalid_passkey");
    const failures = await app.deps.database.db.select().from(auditLog).where(eq(auditLog.action, "login_failed"));
    expect(failures.filter((f) => (f.details as { reason?: string }).reason === "passkey").length).toBeGreaterThanOrEqual(cases.length);
  });

  test("a challenge expires after five minutes", async () => {
    const user = await registerUser(app);
    const { key } = await addPasskey(user);
    const round = await loginOptions();
    clock.advance(5 * 60 * 1000 + 1000);
    expectError(await signIn(round.challenge_id, key.assert(round.options)), 401, "invalid_passkey");
  });

  test("a disabled account cannot sign in with its passkey", async () => {
    const user = await registerUser(app);
    const { key } = await addPasskey(user);
    await updateUserRows(app, eq(users.id, user.id), { disabledAt: new Date() });
    const round = await loginOptions();
    expectError(await signIn(round.challenge_id, key.assert(round.options)), 403, "account_disabled");
  });
});
