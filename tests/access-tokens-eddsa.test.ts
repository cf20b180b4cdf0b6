import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { createLocalJWKSet, createRemoteJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet, jwtVerify, SignJWT } from "jose";
import { ManualClock } from "../src/clock";
import { signingKeys } from "../src/db/schema";
import { runMaintenance } from "../src/maintenance";
import { openPrivateJwk, rotateSigningKeys } from "../src/modules/keys/service";
import { startTestApp, TEST_ENV, type TestApp } from "./helpers/app";
import { decodeJwt, expectError, login, me, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { registerUser } from "./helpers/users";

const DAY = 24 * 3600 * 1000;
const MINUTE = 60 * 1000;
const clock = new ManualClock();
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await startTestApp({ clock, env: RELAXED_LIMITS });
  // A second instance of the same deployment: same database and store, its own key cache.
  b = await startTestApp({ shareWith: a, env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(async () => {
  await b.stop();
  await a.stop();
});

async function jwks(app: TestApp): Promise<JSONWebKeySet> {
  const response = await app.fetch("/.well-known/jwks.json");
  expect(response.status).toBe(200);
  return (await response.json()) as JSONWebKeySet;
}

/** What another service does: verify with the JWKS alone (jose), at the app's clock. */
function verifyWith(set: JSONWebKeySet, token: string) {
  return jwtVerify(token, createLocalJWKSet(set), { algorithms: ["EdDSA"], issuer: TEST_ENV.APP_URL, currentDate: new Date(clock.now()) });
}

const kidOf = (token: string) => decodeJwt(token).header.kid as string;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("EdDSA access tokens and the JWKS", () => {
  test("tokens are EdDSA with a kid, and jose verifies them against the published JWKS", async () => {
    const user = await registerUser(a);
    const { header, payload } = decodeJwt(user.accessToken);
    expect(header).toEqual({ alg: "EdDSA", kid: expect.any(String), typ: "JWT" });
    expect(payload).toMatchObject({ sub: user.id, role: "user", iss: TEST_ENV.APP_URL });
    const remote = createRemoteJWKSet(new URL(`${a.url}/.well-known/jwks.json`));
    const verified = await jwtVerify(user.accessToken, remote, { algorithms: ["EdDSA"], currentDate: new Date(clock.now()) });
    expect(verified.payload.sub).toBe(user.id);
    expect(verified.protectedHeader.kid).toBe(header.kid as string);
  });

  test("the JWKS is cacheable for five minutes, publishes the signing key and the next one, and never a private part", async () => {
    const response = await a.fetch("/.well-known/jwks.json");
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    const set = (await response.json()) as JSONWebKeySet;
    expect(set.keys.length).toBeGreaterThanOrEqual(2);
    for (const key of set.keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);
      expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    }
    const user = await registerUser(a);
    expect(set.keys[0]!.kid).toBe(kidOf(user.accessToken));
  });

  test("private keys are sealed at rest: the stored text holds no part of the key, and opens only for its own kid", async () => {
    const rows = await a.deps.database.db.select().from(signingKeys);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      const jwk = openPrivateJwk(a.config.encryptionKey, row);
      expect(typeof jwk.d).toBe("string");
      expect(row.privateJwkSealed).not.toContain(jwk.d!);
      expect(row.privateJwkSealed).not.toContain('"d"');
      expect(() => openPrivateJwk(a.config.encryptionKey, { ...row, kid: rows.find((other) => other.kid !== row.kid)!.kid })).toThrow();
    }
  });

  test("a token signed by a key that is not published is refused, whatever kid it names", async () => {
    const user = await registerUser(a);
    const { payload } = decodeJwt(user.accessToken);
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    for (const kid of ["not-a-key-of-ours", kidOf(user.accessToken)]) {
      const forged = await new SignJWT(payload).setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" }).sign(privateKey);
      expectError(await me(a, forged), 401, "invalid_token");
      expectError(await me(b, forged), 401, "invalid_token");
    }
  });

  test("algorithm confusion is refused: HS256 under our kid, with the public key or JWT_SECRET as the secret, and alg none", async () => {
    const user = await registerUser(a);
    const { payload } = decodeJwt(user.accessToken);
    const kid = kidOf(user.accessToken);
    const publicJwk = (await jwks(a)).keys.find((key) => key.kid === kid)!;
    const secrets = [TEST_ENV.JWT_SECRET!, JSON.stringify(publicJwk), publicJwk.x!, Buffer.from(publicJwk.x!, "base64url").toString("latin1")];
    for (const secret of secrets) {
      const input = `${b64({ alg: "HS256", kid, typ: "JWT" })}.${b64(payload)}`;
      expectError(await me(a, `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`), 401, "invalid_token");
    }
    expectError(await me(a, `${b64({ alg: "none", kid, typ: "JWT" })}.${b64(payload)}.`), 401, "invalid_token");
    // The genuine token still works, so the refusals are about the forgeries.
    expect((await me(a, user.accessToken)).status).toBe(200);
  });

  test("only the exact header and a canonical signature are accepted", async () => {
    const user = await registerUser(a);
    const [header, payload, signature] = user.accessToken.split(".") as [string, string, string];
    const key = generateKeyPairSync("ed25519");
    // Same kid, an extra header field, signed properly with a key we do not publish: refused before any signature check.
    const extra = `${b64({ ...decodeJwt(user.accessToken).header, jku: "https://attacker.example/jwks" })}.${payload}`;
    expectError(await me(a, `${extra}.${sign(null, Buffer.from(extra), key.privateKey).toString("base64url")}`), 401, "invalid_token");
    // The last character of an Ed25519 signature has unused bits: flipping them decodes to the same bytes.
    const last = signature.at(-1)!;
    const twin = `${header}.${payload}.${signature.slice(0, -1)}${String.fromCharCode(last.charCodeAt(0) + 1)}`;
    expectError(await me(b, twin), 401, "invalid_token");
    expectError(await me(b, `${user.accessToken}=`), 401, "invalid_token");
  });

  test("HS256 deployments publish an empty key set and refuse EdDSA tokens", async () => {
    const hs = await startTestApp({ env: { ...RELAXED_LIMITS, JWT_ALG: "HS256" }, shareWith: a });
    try {
      expect((await jwks(hs)).keys).toEqual([]);
      const user = await registerUser(a);
      expectError(await me(hs, user.accessToken), 401, "invalid_token");
      const own = await registerUser(hs);
      expect(decodeJwt(own.accessToken).header.alg).toBe("HS256");
      expect((await me(hs, own.accessToken)).status).toBe(200);
    } finally {
      await hs.stop();
    }
  });
});

describe("the verification cache", () => {
  const checks = async (app: TestApp, result: string) => (await app.deps.metrics.accessTokenChecks.get()).values.find((value) => value.labels.result === result)?.value ?? 0;

  test("a repeated token is served from the cache, and a revoked one is still refused at once on every instance", async () => {
    const user = await registerUser(a);
    expect((await me(a, user.accessToken)).status).toBe(200);
    const hits = await checks(a, "cache_hit");
    expect((await me(a, user.accessToken)).status).toBe(200);
    expect(await checks(a, "cache_hit")).toBe(hits + 1);
    expect((await me(b, user.accessToken)).status).toBe(200);
    expect((await a.fetch("/api/v1/auth/logout", { method: "POST", headers: { authorization: `Bearer ${user.accessToken}` } })).status).toBe(204);
    expectError(await me(a, user.accessToken), 401, "invalid_token");
    expectError(await me(b, user.accessToken), 401, "invalid_token");
  });

  test("a cached signature does not vouch for another payload", async () => {
    const user = await registerUser(a);
    expect((await me(a, user.accessToken)).status).toBe(200);
    const [header, , signature] = user.accessToken.split(".");
    const { payload } = decodeJwt(user.accessToken);
    expectError(await me(a, `${header}.${b64({ ...payload, role: "admin" })}.${signature}`), 401, "invalid_token");
    const other = await registerUser(a);
    expectError(await me(a, `${header}.${b64({ ...payload, sub: other.id })}.${signature}`), 401, "invalid_token");
  });

  test("a cached token stops at its exp", async () => {
    const user = await registerUser(a);
    expect((await me(a, user.accessToken)).status).toBe(200);
    clock.advance(a.config.accessTokenTtl * 1000 + 1000);
    expectError(await me(a, user.accessToken), 401, "invalid_token");
  });

  test("JWT_VERIFY_CACHE_SIZE=0 turns it off: every request verifies the signature", async () => {
    const uncached = await startTestApp({ shareWith: a, env: { ...RELAXED_LIMITS, JWT_VERIFY_CACHE_SIZE: "0" } });
    try {
      const user = await registerUser(uncached);
      const verified = await checks(uncached, "verified");
      for (let i = 0; i < 3; i++) expect((await me(uncached, user.accessToken)).status).toBe(200);
      expect(await checks(uncached, "verified")).toBe(verified + 3);
      expect(await checks(uncached, "cache_hit")).toBe(0);
    } finally {
      await uncached.stop();
    }
  });
});

describe("key rotation", () => {
  test("the scheduled rotation: after JWT_KEY_ROTATION_DAYS the next key signs, a JWKS fetched before still verifies, old tokens live out their TTL", async () => {
    const before = await jwks(a);
    const oldUser = await registerUser(a);
    const oldKid = kidOf(oldUser.accessToken);
    const nextKid = before.keys[1]!.kid!;

    clock.advance(30 * DAY + MINUTE);
    await runMaintenance(a.deps);
    const fresh = await login(a, oldUser.username, oldUser.password);
    expect(kidOf(fresh.body.access_token)).toBe(nextKid);
    // A consumer whose JWKS copy predates the rotation verifies the new token without refetching.
    expect((await verifyWith(before, fresh.body.access_token)).payload.sub).toBe(oldUser.id);

    const after = await jwks(a);
    expect(after.keys.map((key) => key.kid).slice(0, 1)).toEqual([nextKid]);
    expect(after.keys.length).toBe(3); // signing, next, and the retired one
    expect(after.keys.map((key) => key.kid)).toContain(oldKid);

    // Once every token of the retired key has expired it leaves the JWKS and is refused.
    const stillLive = await registerUser(b);
    clock.advance(a.config.accessTokenTtl * 1000 + 3 * MINUTE);
    await runMaintenance(b.deps);
    const later = await jwks(a);
    expect(later.keys.map((key) => key.kid)).not.toContain(oldKid);
    expect(later.keys.length).toBe(2);
    expect(later.keys[0]!.kid).toBe(nextKid);
    expectError(await me(a, stillLive.accessToken), 401, "invalid_token");
  });

  test("bun run keys rotate on one instance: the other honours it without a restart, and jose verifies across it", async () => {
    const user = await registerUser(b);
    const oldKid = kidOf(user.accessToken);
    const rotation = await rotateSigningKeys(a.deps.database.db, a.config, clock.now());
    expect(rotation.kid).not.toBe(oldKid);
    // The new key was published at least PREPUBLISH before it signs.
    expect(rotation.activatesAt.getTime()).toBeGreaterThanOrEqual(clock.now());

    clock.advance(Math.max(0, rotation.activatesAt.getTime() - clock.now()) + 2 * MINUTE);
    // Instance b, untouched since the rotation, signs its next token with the new key...
    const fresh = await login(b, user.username, user.password);
    expect(kidOf(fresh.body.access_token)).toBe(rotation.kid);
    // ...still accepts the token it issued before the rotation, and instance a accepts the new one.
    expect((await me(b, user.accessToken)).status).toBe(200);
    expect((await me(a, fresh.body.access_token)).status).toBe(200);
    const set = await jwks(b);
    expect(set.keys[0]!.kid).toBe(rotation.kid);
    expect(set.keys.map((key) => key.kid)).toContain(rotation.nextKid);
    expect((await verifyWith(set, fresh.body.access_token)).payload.sub).toBe(user.id);
    expect((await verifyWith(set, user.accessToken)).payload.sub).toBe(user.id);
  });

  test("two instances running maintenance at once create one next key, not two", async () => {
    clock.advance(40 * DAY);
    await Promise.all([runMaintenance(a.deps), runMaintenance(b.deps), runMaintenance(a.deps), runMaintenance(b.deps)]);
    const rows = await a.deps.database.db.select().from(signingKeys);
    const future = rows.filter((row) => row.activatesAt.getTime() > clock.now());
    expect(future).toHaveLength(1);
    const set = await jwks(a);
    const user = await registerUser(b);
    expect(set.keys[0]!.kid).toBe(kidOf(user.accessToken));
    expect(set.keys[1]!.kid).toBe(future[0]!.kid);
  });
});
