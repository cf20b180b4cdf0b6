import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisStore } from "../src/store/redis";
import { startTestApp, type TestApp } from "./helpers/app";
import { hasRedisServer, PrivateRedis } from "./helpers/services";
import { bearer, registerUser } from "./helpers/users";

// Redis going away and coming back, for real: a redis-server of our own that we stop and start.
describe.skipIf(!hasRedisServer)("when Redis fails", () => {
  let redis: PrivateRedis;
  let store: RedisStore;
  let app: TestApp;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    store = new RedisStore({ url: redis.url, prefix: "failure:" });
    await store.connect(3000);
    app = await startTestApp({ store });
  });
  afterAll(async () => {
    await app.stop();
    await store.close();
    await redis.stop();
  });

  test("revocation checks fail closed, rate limits fail open, health says degraded, and all recovers", async () => {
    const user = await registerUser(app);
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(200);

    await redis.stop();
    const me = await app.json<{ code: string; request_id: string }>("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken));
    expect(me.status).toBe(503);
    expect(me.body.code).toBe("service_unavailable");
    expect(me.body.request_id).toBeTruthy();

    // Sign-in does not depend on Redis: its limits fail open.
    const login = await app.json<{ access_token: string }>("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password });
    expect(login.status).toBe(200);

    const health = await app.json<{ status: string; services: { database: string; redis: string } }>("GET", "/health");
    expect(health.status).toBe(200);
    expect(health.body.status).toBe("degraded");
    expect(health.body.services).toEqual({ database: "ok", redis: "down" });

    const metrics = await (await app.fetch("/metrics")).text();
    expect(metrics).toMatch(/cobalt_store_errors_total\{effect="failed_open"\} [1-9]/);
    expect(metrics).toMatch(/cobalt_store_errors_total\{effect="failed_closed"\} [1-9]/);

    await redis.resume();
    let recovered = 0;
    for (let i = 0; i < 60 && recovered !== 200; i++) {
      await Bun.sleep(100);
      recovered = (await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status;
    }
    expect(recovered).toBe(200);
    expect((await app.json<{ status: string }>("GET", "/health")).body.status).toBe("healthy");
  }, 30_000);
});
