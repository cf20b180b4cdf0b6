import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { auditLog, sessions } from "../src/db/schema";
import { startTestApp, type TestApp } from "./helpers/app";
import { decodeJwt, expectError, me, RELAXED_LIMITS, refresh, setCookieHeader, sha256, START_TIMEOUT_MS } from "./helpers/auth";
import { registerUser } from "./helpers/users";

let app: TestApp;
const clock = new ManualClock();

beforeAll(async () => {
  app = await startTestApp({ clock, env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

async function sessionsOf(userId: string) {
  return app.deps.database.db.select().from(sessions).where(eq(sessions.userId, userId));
}

describe("POST /auth/refresh", () => {
  test("rotates: a new access token, a new refresh cookie, the same session", async () => {
    const user = await registerUser(app);
    const response = await refresh(app, user.refreshToken);
    expect(response.status).toBe(200);
    expect(response.body.token_type).toBe("Bearer");
    expect(response.body.expires_in).toBe(900);
    expect(response.body.user.id).toBe(user.id);
    expect(response.body.access_token).not.toBe(user.accessToken);
    expect(response.refreshToken).toBeTruthy();
    expect(response.refreshToken).not.toBe(user.refreshToken);
    const cookie = setCookieHeader(response, "refresh_token")!.toLowerCase();
    for (const attribute of ["httponly", "samesite=lax", "path=/", "max-age=604800"]) expect(cookie).toContain(attribute);
    expect(decodeJwt(response.body.access_token).payload.sid).toBe(decodeJwt(user.accessToken).payload.sid as string);
    expect((await me(app, response.body.access_token)).status).toBe(200);
    // The new token rotates in turn.
    const again = await refresh(app, response.refreshToken!);
    expect(again.status).toBe(200);
    expect(again.refreshToken).not.toBe(response.refreshToken);
  });

  test("accepts the token in the body as {refresh_token}", async () => {
    const user = await registerUser(app);
    const response = await refresh(app, user.refreshToken, "body");
    expect(response.status).toBe(200);
    expect(response.body.user.id).toBe(user.id);
    expect(response.refreshToken).toBeTruthy();
    expect(response.refreshToken).not.toBe(user.refreshToken);
    expect((await refresh(app, response.refreshToken!, "body")).status).toBe(200);
  });

  test("only the SHA-256 of the refresh token is stored", async () => {
    const user = await registerUser(app);
    const [session] = await sessionsOf(user.id);
    expect(session!.tokenHash).toBe(sha256(user.refreshToken));
    expect(JSON.stringify(session)).not.toContain(user.refreshToken);
  });

  test("no token, an unknown token and an empty body token are 401 invalid_token", async () => {
    expectError(await app.json("POST", "/api/v1/auth/refresh"), 401, "invalid_token");
    expectError(await refresh(app, "not-a-real-token"), 401, "invalid_token");
    expectError(await refresh(app, "not-a-real-token", "body"), 401, "invalid_token");
    expectError(await app.json("POST", "/api/v1/auth/refresh", {}), 401, "invalid_token");
  });

  test("the just-replaced token within the grace window: 200, no new cookie, nothing revoked", async () => {
    const user = await registerUser(app);
    const rotated = await refresh(app, user.refreshToken);
    expect(rotated.status).toBe(200);
    clock.advance(9_000);
    const late = await refresh(app, user.refreshToken);
    expect(late.status).toBe(200);
    expect(late.body.user.id).toBe(user.id);
    expect(setCookieHeader(late, "refresh_token")).toBeUndefined();
    expect((await me(app, late.body.access_token)).status).toBe(200);
    // No harm: the newest token still rotates and the first access token still works.
    expect((await me(app, rotated.body.access_token)).status).toBe(200);
    const next = await refresh(app, rotated.refreshToken!);
    expect(next.status).toBe(200);
    expect(next.refreshToken).toBeTruthy();
    const live = (await sessionsOf(user.id)).filter((s) => !s.revokedAt);
    expect(live).toHaveLength(1);
  });

  test("the replaced token after the grace window is theft: 401 and the whole session is revoked and audited", async () => {
    const user = await registerUser(app);
    const rotated = await refresh(app, user.refreshToken);
    expect(rotated.status).toBe(200);
    clock.advance(11_000);

    expectError(await refresh(app, user.refreshToken), 401, "invalid_token");
    // The legitimate holder's newest token and access token are dead too.
    expectError(await refresh(app, rotated.refreshToken!), 401, "invalid_token");
    expectError(await me(app, rotated.body.access_token), 401, "invalid_token");
    const [session] = await sessionsOf(user.id);
    expect(session!.revokedAt).not.toBeNull();

    const events = await app.deps.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "refresh_token_reuse"), eq(auditLog.targetId, user.id)));
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toMatchObject({ session_id: session!.id });
  });

  test("theft detection also catches a token replaced two rotations ago", async () => {
    const user = await registerUser(app);
    const first = await refresh(app, user.refreshToken);
    const second = await refresh(app, first.refreshToken!);
    expect(second.status).toBe(200);
    clock.advance(11_000);
    expectError(await refresh(app, user.refreshToken), 401, "invalid_token");
    // A replaced token came back: the session must be over for everyone.
    expectError(await refresh(app, second.refreshToken!), 401, "invalid_token");
    expectError(await me(app, second.body.access_token), 401, "invalid_token");
  });

  test("reuse in one session leaves the user's other sessions alone", async () => {
    const user = await registerUser(app);
    const other = await app.json<{ access_token: string }>("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password });
    const rotated = await refresh(app, user.refreshToken);
    clock.advance(11_000);
    expect((await refresh(app, user.refreshToken)).status).toBe(401);
    expect((await me(app, rotated.body.access_token)).status).toBe(401);
    expect((await me(app, other.body.access_token)).status).toBe(200);
  });

  test("five concurrent refreshes of one token: all 200, one rotation, one live token in the family", async () => {
    const user = await registerUser(app);
    const responses = await Promise.all(Array.from({ length: 5 }, () => refresh(app, user.refreshToken)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const rotatedTokens = responses.map((r) => r.refreshToken).filter((token): token is string => Boolean(token));
    expect(rotatedTokens).toHaveLength(1);
    const newest = rotatedTokens[0]!;

    const rows = await sessionsOf(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.revokedAt).toBeNull();
    expect(rows[0]!.tokenHash).toBe(sha256(newest));
    expect(rows[0]!.previousTokenHash).toBe(sha256(user.refreshToken));

    for (const response of responses) expect((await me(app, response.body.access_token)).status).toBe(200);
    const next = await refresh(app, newest);
    expect(next.status).toBe(200);
    expect(next.refreshToken).toBeTruthy();
  });

  test("an expired refresh token is refused", async () => {
    const user = await registerUser(app);
    clock.advance(604_800_000 - 60_000);
    const stillValid = await refresh(app, user.refreshToken);
    expect(stillValid.status).toBe(200);
    clock.advance(604_800_000 + 1_000);
    expectError(await refresh(app, stillValid.refreshToken!), 401, "invalid_token");
  });
});
