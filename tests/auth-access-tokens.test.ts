import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ManualClock } from "../src/clock";
import { startTestApp, TEST_ENV, type TestApp } from "./helpers/app";
import { decodeJwt, expectError, login, me, RELAXED_LIMITS, signJwt, START_TIMEOUT_MS, UUID_RE, unsignedJwt, withCookie } from "./helpers/auth";
import { registerUser } from "./helpers/users";

let app: TestApp;
const clock = new ManualClock();
const SECRET = TEST_ENV.JWT_SECRET!;

beforeAll(async () => {
  // This suite is about the HS256 format (JWT_ALG=HS256); EdDSA tokens have their own (tests/access-tokens-eddsa.test.ts).
  app = await startTestApp({ clock, env: { ...RELAXED_LIMITS, JWT_ALG: "HS256" } });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

describe("access tokens", () => {
  test("are HS256 JWTs with sub, sid, role, jti, iat and exp = iat + 900", async () => {
    const user = await registerUser(app);
    const { header, payload } = decodeJwt(user.accessToken);
    expect(header.alg).toBe("HS256");
    expect(payload.sub).toBe(user.id);
    expect(payload.sid).toMatch(UUID_RE);
    expect(payload.role).toBe("user");
    expect(typeof payload.jti).toBe("string");
    expect((payload.jti as string).length).toBeGreaterThanOrEqual(16);
    expect(payload.iat).toBe(Math.floor(clock.now() / 1000));
    expect(payload.exp).toBe((payload.iat as number) + 900);
  });

  test("each sign-in has its own session id and token id", async () => {
    const user = await registerUser(app);
    const second = await login(app, user.username, user.password);
    const a = decodeJwt(user.accessToken).payload;
    const b = decodeJwt(second.body.access_token).payload;
    expect(b.sub).toBe(a.sub as string);
    expect(b.sid).not.toBe(a.sid as string);
    expect(b.jti).not.toBe(a.jti as string);
  });

  test("are accepted as a bearer header and as the access_token cookie", async () => {
    const user = await registerUser(app);
    const viaHeader = await me(app, user.accessToken);
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toMatchObject({ id: user.id, username: user.username, email: user.email });
    const viaCookie = await app.json<{ id: string }>("GET", "/api/v1/auth/me", undefined, withCookie("access_token", user.accessToken));
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body.id).toBe(user.id);
    const lowerCaseScheme = await app.json<{ id: string }>("GET", "/api/v1/auth/me", undefined, { authorization: `bearer ${user.accessToken}` });
    expect(lowerCaseScheme.status).toBe(200);
  });

  test("no token at all is a 401 in the error shape", async () => {
    const response = await app.json<{ code: string }>("GET", "/api/v1/auth/me");
    expect(response.status).toBe(401);
    expect(response.body.code).toMatch(/^(unauthorized|invalid_token)$/);
    expectError(response, 401, response.body.code);
  });

  test("garbage and other schemes are 401", async () => {
    for (const authorization of ["Bearer not-a-jwt", "Bearer a.b.c", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"]) {
      const response = await app.json<{ code: string }>("GET", "/api/v1/auth/me", undefined, { authorization });
      expect(response.status).toBe(401);
      expect(response.body.code).toMatch(/^(unauthorized|invalid_token)$/);
      expectError(response, 401, response.body.code);
    }
  });

  test("alg none is refused", async () => {
    const user = await registerUser(app);
    const { payload } = decodeJwt(user.accessToken);
    for (const alg of ["none", "None", "NONE"]) {
      expectError(await me(app, unsignedJwt({ alg, typ: "JWT" }, payload)), 401, "invalid_token");
    }
    // A none header with the original signature kept.
    const signature = user.accessToken.split(".")[2];
    expectError(await me(app, `${unsignedJwt({ alg: "none", typ: "JWT" }, payload)}${signature}`), 401, "invalid_token");
  });

  test("a token signed with another secret is refused", async () => {
    const user = await registerUser(app);
    const { header, payload } = decodeJwt(user.accessToken);
    expectError(await me(app, signJwt(header, payload, "another-secret-that-is-also-long-enough-0123456789")), 401, "invalid_token");
  });

  test("another HMAC algorithm with the right secret is refused", async () => {
    const user = await registerUser(app);
    const { payload } = decodeJwt(user.accessToken);
    expectError(await me(app, signJwt({ alg: "HS512", typ: "JWT" }, payload, SECRET, 512)), 401, "invalid_token");
    expectError(await me(app, signJwt({ alg: "HS384", typ: "JWT" }, payload, SECRET, 384)), 401, "invalid_token");
  });

  test("a tampered payload is refused", async () => {
    const user = await registerUser(app);
    const [header, , signature] = user.accessToken.split(".");
    const { payload } = decodeJwt(user.accessToken);
    const forged = Buffer.from(JSON.stringify({ ...payload, role: "admin" })).toString("base64url");
    expectError(await me(app, `${header}.${forged}.${signature}`), 401, "invalid_token");
    const other = await registerUser(app);
    const stolen = Buffer.from(JSON.stringify({ ...payload, sub: other.id })).toString("base64url");
    expectError(await me(app, `${header}.${stolen}.${signature}`), 401, "invalid_token");
  });

  test("a token re-signed with the real secret is accepted, so the refusals above are about the signature", async () => {
    const user = await registerUser(app);
    const { header, payload } = decodeJwt(user.accessToken);
    expect((await me(app, signJwt(header, payload, SECRET))).status).toBe(200);
  });

  test("an expired token is refused once the clock passes exp", async () => {
    const user = await registerUser(app);
    clock.advance(899_000);
    expect((await me(app, user.accessToken)).status).toBe(200);
    clock.advance(2_000);
    expectError(await me(app, user.accessToken), 401, "invalid_token");
  });
});
