import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { bearer, registerUser } from "./helpers/users";

// Two instances of one deployment: one database, one store, nothing shared in process.
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await startTestApp({ env: { TRUST_PROXY: "1", RATE_LIMIT_LOGIN: "4/60", RATE_LIMIT_REGISTER: "off" } });
  b = await startTestApp({ shareWith: a, env: { TRUST_PROXY: "1", RATE_LIMIT_LOGIN: "4/60", RATE_LIMIT_REGISTER: "off" } });
});
afterAll(async () => {
  await b.stop();
  await a.stop();
});

describe("two instances on one database and one store", () => {
  test("a logout on one instance is refused at once on the other", async () => {
    const user = await registerUser(a);
    expect((await b.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(200);
    expect((await a.fetch("/api/v1/auth/logout", { method: "POST", headers: bearer(user.accessToken) })).status).toBe(204);
    expect((await b.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(401);
  });

  test("a disable on one instance ends the user's access on the other", async () => {
    const admin = await registerAdmin(a);
    const user = await registerUser(b);
    expect((await a.json("PATCH", `/api/v1/admin/users/${user.id}/disable`, undefined, bearer(admin.accessToken))).status).toBe(200);
    expect((await b.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(401);
    const refresh = await b.fetch("/api/v1/auth/refresh", { method: "POST", headers: { cookie: `refresh_token=${user.refreshToken}` } });
    expect(refresh.status).toBe(401);
  });

  test("rate-limit counters are shared: the budget is spent across both instances", async () => {
    const ip = { "x-forwarded-for": "198.51.100.77" };
    const attempt = (app: TestApp) => app.json("POST", "/api/v1/auth/login", { username_or_email: "nobody", password: "whatever it is" }, ip);
    expect((await attempt(a)).status).toBe(401);
    expect((await attempt(b)).status).toBe(401);
    expect((await attempt(a)).status).toBe(401);
    expect((await attempt(b)).status).toBe(401);
    const refused = await attempt(a);
    expect(refused.status).toBe(429);
    expect((await attempt(b)).status).toBe(429);
  });
});
