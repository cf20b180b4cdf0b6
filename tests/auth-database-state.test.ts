import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisStore } from "../src/store/redis";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, login, me, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backend } from "./helpers/backends";
import { hasRedisServer, PrivateRedis } from "./helpers/services";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";

// The store's revocation marks are a fast path, not the truth: after Redis restarts empty, a
// disabled or deleted user's access token (still within its 15 minutes) must not work on any
// signed-in route, because those routes read the account from the database.
describe.skipIf(!hasRedisServer)(`signed-in routes after the store forgot its marks (${backend.databaseUrl ? "postgres" : "pglite"} + a private redis)`, () => {
  let redis: PrivateRedis;
  let store: RedisStore;
  let app: TestApp;
  let admin: RegisteredUser;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    store = new RedisStore({ url: redis.url, prefix: "state:" });
    await store.connect(3000);
    app = await startTestApp({ store, env: RELAXED_LIMITS });
    admin = await registerAdmin(app);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await app.stop();
    await store.close();
    await redis.stop();
  });

  /** Redis restarts with nothing in it (no persistence); waits until the app's client is back. */
  async function restartRedisEmpty(): Promise<void> {
    await redis.stop();
    await redis.resume();
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await store.ping(200).then(() => true, () => false)) return;
      await Bun.sleep(50);
    }
    throw new Error("the store did not reconnect");
  }

  test("a disabled user's still-valid access token works nowhere", async () => {
    const user = await registerUser(app);
    expect((await me(app, user.accessToken)).status).toBe(200);
    expect((await app.json("PATCH", `/api/v1/admin/users/${user.id}/disable`, undefined, bearer(admin.accessToken))).status).toBe(200);
    await app.deps.background.settled();
    await restartRedisEmpty();

    expectError(await me(app, user.accessToken), 401, "invalid_token");
    expectError(await app.json("GET", "/api/v1/auth/sessions", undefined, bearer(user.accessToken)), 401, "invalid_token");
    expectError(await app.json("POST", "/api/v1/auth/send-verification", undefined, bearer(user.accessToken)), 401, "invalid_token");
    expectError(await app.json("POST", "/api/v1/auth/logout-all", undefined, bearer(user.accessToken)), 401, "invalid_token");
    expectError(await app.json("DELETE", `/api/v1/auth/sessions/${crypto.randomUUID()}`, undefined, bearer(user.accessToken)), 401, "invalid_token");
    const change = await app.json("POST", "/api/v1/auth/change-password", { current_password: user.password, new_password: "taken over after all" }, bearer(user.accessToken));
    expectError(change, 401, "invalid_token");

    // Enabled again, the old password is still the one.
    expect((await app.json("PATCH", `/api/v1/admin/users/${user.id}/enable`, undefined, bearer(admin.accessToken))).status).toBe(200);
    expect((await login(app, user.username, user.password)).status).toBe(200);
  }, 30_000);

  test("a deleted user's still-valid access token works nowhere", async () => {
    const user = await registerUser(app);
    expect((await app.json("DELETE", `/api/v1/admin/users/${user.id}`, undefined, bearer(admin.accessToken))).status).toBe(204);
    await app.deps.background.settled();
    await restartRedisEmpty();

    expectError(await me(app, user.accessToken), 401, "invalid_token");
    expectError(await app.json("GET", "/api/v1/auth/sessions", undefined, bearer(user.accessToken)), 401, "invalid_token");
    expectError(
      await app.json("POST", "/api/v1/auth/change-password", { current_password: user.password, new_password: "taken over after all" }, bearer(user.accessToken)),
      401,
      "invalid_token",
    );
  }, 30_000);
});
