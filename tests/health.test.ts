import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisStore } from "../src/store/redis";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, login, me, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { registerUser } from "./helpers/users";

let app: TestApp;
// An instance whose Redis cannot be reached (nothing listens on port 1), on a database of its own.
let noRedis: TestApp;
const deadStore = new RedisStore({ url: "redis://127.0.0.1:1", prefix: "cobalt_unreachable:", commandTimeoutMs: 200 });

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
  await deadStore.connect(200);
  noRedis = await startTestApp({ env: RELAXED_LIMITS, store: deadStore });
}, START_TIMEOUT_MS);
afterAll(async () => {
  await noRedis?.stop();
  await deadStore.close().catch(() => {});
  await app?.stop();
});

describe("health", () => {
  test("/health is 200 healthy with both services ok", async () => {
    const response = await app.json<{ status: string; timestamp: string; services: Record<string, string> }>("GET", "/health");
    expect(response.status).toBe(200);
    expect(response.body.status).toBe("healthy");
    expect(response.body.services).toEqual({ database: "ok", redis: "ok" });
    expect(new Date(response.body.timestamp).toISOString()).toBe(response.body.timestamp);
    expect(response.headers.get("content-type")).toContain("application/json");
  });

  test("/health/live and /health/ready answer 200", async () => {
    const live = await app.json<{ status: string }>("GET", "/health/live");
    expect(live.status).toBe(200);
    expect(live.body.status).toBe("alive");
    const ready = await app.json<{ status: string }>("GET", "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe("ready");
  });

  test("probes are not under /api and need no token", async () => {
    expect((await app.fetch("/api/v1/health")).status).toBe(404);
  });
});

describe("when Redis is unreachable", () => {
  test("/health is still 200 but degraded, naming redis as down", async () => {
    const response = await noRedis.json<{ status: string; services: Record<string, string> }>("GET", "/health");
    expect(response.status).toBe(200);
    expect(response.body.status).toBe("degraded");
    expect(response.body.services).toEqual({ database: "ok", redis: "down" });
    expect((await noRedis.fetch("/health/ready")).status).toBe(200);
  });

  test("rate limits fail open (sign-up and sign-in work) and revocation checks fail closed (503)", async () => {
    const user = await registerUser(noRedis);
    expect((await login(noRedis, user.username, user.password)).status).toBe(200);
    const response = await me(noRedis, user.accessToken);
    expectError(response, 503, "service_unavailable");
  });
});
