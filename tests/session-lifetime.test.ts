import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { count, eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { refreshTokenHistory } from "../src/db/schema";
import { runMaintenance } from "../src/maintenance";
import { startTestApp, type TestApp } from "./helpers/app";
import { decodeJwt, expectError, refresh, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { registerUser } from "./helpers/users";

const DAY_MS = 24 * 3600 * 1000;
const clock = new ManualClock();
let app: TestApp;
let shortLived: TestApp;

beforeAll(async () => {
  app = await startTestApp({ clock, env: RELAXED_LIMITS });
  shortLived = await startTestApp({ clock, env: { ...RELAXED_LIMITS, SESSION_MAX_AGE: "3600", REFRESH_TOKEN_TTL: "1800" } });
}, START_TIMEOUT_MS);
afterAll(async () => {
  await app.stop();
  await shortLived.stop();
});

/** Refreshes and returns the new refresh token; fails the test if the refresh is refused. */
async function refreshed(on: TestApp, token: string): Promise<string> {
  const response = await refresh(on, token);
  expect(response.status).toBe(200);
  return response.refreshToken!;
}

describe(`absolute session lifetime (${backendName()})`, () => {
  test("a session refreshed every six days still ends 30 days after the sign-in", async () => {
    const user = await registerUser(app);
    let token = user.refreshToken;
    for (let day = 6; day <= 24; day += 6) {
      clock.advance(6 * DAY_MS);
      token = await refreshed(app, token);
    }
    // Day 29: still inside the 30 days, and inside the 7-day refresh window.
    clock.advance(5 * DAY_MS);
    token = await refreshed(app, token);
    // Day 30 and a minute: the last refresh was a day ago, but the session is over.
    clock.advance(DAY_MS + 60_000);
    expectError(await refresh(app, token), 401, "invalid_token");
  });

  test("SESSION_MAX_AGE sets the lifetime however often the session refreshes", async () => {
    const user = await registerUser(shortLived);
    let token = user.refreshToken;
    for (let minute = 10; minute <= 50; minute += 10) {
      clock.advance(10 * 60_000);
      token = await refreshed(shortLived, token);
    }
    clock.advance(11 * 60_000);
    expectError(await refresh(shortLived, token), 401, "invalid_token");
  });
});

describe(`replaced refresh tokens are pruned (${backendName()})`, () => {
  test("once they would have expired, and not before", async () => {
    const user = await registerUser(app);
    const sessionId = decodeJwt(user.accessToken).payload.sid as string;
    const history = async () =>
      (await app.deps.database.db.select({ n: count() }).from(refreshTokenHistory).where(eq(refreshTokenHistory.sessionId, sessionId)))[0]!.n;

    let token = user.refreshToken;
    const early: string[] = [];
    for (let i = 0; i < 3; i++) {
      early.push(token);
      token = await refreshed(app, token);
    }
    expect(await history()).toBe(3);

    // Six days on: the three are still within a refresh TTL of their replacement.
    clock.advance(6 * DAY_MS);
    token = await refreshed(app, token);
    await runMaintenance(app.deps);
    expect(await history()).toBe(4);

    // Seven days and a minute after the first three were replaced: they go, the newer one stays.
    clock.advance(DAY_MS + 60_000);
    const removed = await runMaintenance(app.deps);
    expect(removed.replacedRefreshTokens).toBeGreaterThanOrEqual(3);
    expect(await history()).toBe(1);
    expectError(await refresh(app, early[0]!), 401, "invalid_token");
    // The session itself lives on.
    await refreshed(app, token);
  });
});
