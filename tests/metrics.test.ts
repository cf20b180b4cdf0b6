import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app";
import { START_TIMEOUT_MS } from "./helpers/auth";
import { registerUser } from "./helpers/users";

let app: TestApp;
let guarded: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { RATE_LIMIT_LOGIN: "2/60" } });
  guarded = await startTestApp({ env: { METRICS_TOKEN: "scrape-secret-123" } });
}, START_TIMEOUT_MS);
afterAll(async () => {
  await app?.stop();
  await guarded?.stop();
});

describe("/metrics", () => {
  test("counts requests by route pattern and status, sign-ins by result, refreshes and 429s", async () => {
    const user = await registerUser(app);
    await app.fetch(`/api/v1/admin/users/${crypto.randomUUID()}`);
    await app.json("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password });
    await app.json("POST", "/api/v1/auth/login", { username_or_email: user.username, password: "wrong password!" });
    await app.json("POST", "/api/v1/auth/login", { username_or_email: user.username, password: "wrong password!" });
    await app.fetch("/api/v1/auth/refresh", { method: "POST", headers: { cookie: `refresh_token=${user.refreshToken}` } });
    await app.fetch("/no/such/page/12345");

    const response = await app.fetch("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain('cobalt_http_requests_total{method="POST",route="/api/v1/auth/register",status="201"} 1');
    expect(text).toContain('route="/api/v1/admin/users/:id",status="401"');
    expect(text).not.toContain("12345");
    expect(text).toMatch(/route="(unmatched|\/\*)",status="404"/);
    expect(text).toContain('cobalt_logins_total{result="success"} 1');
    expect(text).toContain('cobalt_logins_total{result="invalid_credentials"} 1');
    expect(text).toContain('cobalt_rate_limit_refusals_total{bucket="login"} 1');
    expect(text).toContain('cobalt_token_refreshes_total{result="rotated"} 1');
    expect(text).toContain("cobalt_http_request_duration_seconds_bucket");
  });

  test("needs the bearer token when METRICS_TOKEN is set", async () => {
    expect((await guarded.fetch("/metrics")).status).toBe(401);
    expect((await guarded.fetch("/metrics", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const ok = await guarded.fetch("/metrics", { headers: { authorization: "Bearer scrape-secret-123" } });
    expect(ok.status).toBe(200);
  });
});
