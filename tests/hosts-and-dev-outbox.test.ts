/**
 * The takeover the review found: with no SMTP_URL, /dev/outbox.json held every reset link and
 * answered anyone, on every interface. Now the server binds loopback outside production, only
 * hosts in ALLOWED_HOSTS reach a route (421 otherwise, so DNS rebinding finds nothing), the
 * outbox answers only a local, unforwarded browser, and a short Host cannot move the path.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../src/app";
import { loadConfig } from "../src/config";
import { expectError, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { startTestApp, type TestApp } from "./helpers/app";
import { rawGet, rawRequest } from "./helpers/raw-http";
import { registerUser } from "./helpers/users";

const PRODUCTION = { NODE_ENV: "production", JWT_SECRET: "Zq81#x!pL0v9sT2wZq81#x!pL0v9sT2w", ENCRYPTION_KEY: "ab".repeat(32), ARGON2_MEMORY_KIB: "19456", ARGON2_TIME_COST: "2" };

let app: TestApp;
let port: number;

beforeAll(async () => {
  app = await startTestApp({ env: { ...RELAXED_LIMITS, TRUST_PROXY: "1" } });
  port = Number(new URL(app.url).port);
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const parsed = (response: { status: number; headers: Record<string, string>; body: string }) => ({
  status: response.status,
  body: JSON.parse(response.body) as unknown,
  headers: new Headers(response.headers),
});

describe("Host header", () => {
  test("a host outside ALLOWED_HOSTS gets 421 invalid_host on every kind of route (DNS rebinding)", async () => {
    for (const path of ["/dev/outbox.json", "/health", "/api/v1/auth/me", "/login", "/metrics", "/no-such-page"]) {
      const response = await app.fetch(path, { headers: { host: "attacker.example" } });
      expectError({ status: response.status, body: await response.json(), headers: response.headers }, 421, "invalid_host");
    }
    const login = await app.fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { host: "rebound.attacker.example:3000", "content-type": "application/json" },
      body: JSON.stringify({ username_or_email: "someone", password: "whatever it is" }),
    });
    expect(login.status).toBe(421);
  });

  test("a missing or unparseable Host gets 421 in the JSON shape, never a 500", async () => {
    for (const host of ["evil/swagger?", "x@127.0.0.1", "127.0.0.1:99999", "127.0.0.1:", "[::1", "a b", "localhost#x", "%6cocalhost"]) {
      const response = await rawGet(port, "/health", [`Host: ${host}`]);
      expectError(parsed(response), 421, "invalid_host");
    }
    // HTTP/1.0 allows leaving Host out (Bun itself refuses an HTTP/1.1 request without one).
    expectError(parsed(await rawRequest(port, "GET /dev/outbox.json HTTP/1.0\r\n\r\n")), 421, "invalid_host");
    expect((await rawGet(port, "/swagger", ["Host: evil/swagger?"])).status).toBe(421);
  });

  test("the allowed names answer, with any port unless the entry names one", async () => {
    for (const host of ["127.0.0.1", `127.0.0.1:${port}`, "localhost", "LOCALHOST:1", "localhost.", "[::1]:8080"]) {
      expect((await rawGet(port, "/health/live", [`Host: ${host}`])).status).toBe(200);
    }
    const pinned = await startTestApp({ env: { ALLOWED_HOSTS: `auth.example.com, 127.0.0.1:${port + 1}` } });
    try {
      const pinnedPort = Number(new URL(pinned.url).port);
      expect((await rawGet(pinnedPort, "/health/live", ["Host: auth.example.com"])).status).toBe(200);
      expect((await rawGet(pinnedPort, "/health/live", ["Host: auth.example.com:8443"])).status).toBe(200);
      expect((await rawGet(pinnedPort, "/health/live", [`Host: 127.0.0.1:${port + 1}`])).status).toBe(200);
      expect((await rawGet(pinnedPort, "/health/live", [`Host: 127.0.0.1:${pinnedPort}`])).status).toBe(421);
      expect((await rawGet(pinnedPort, "/health/live", ["Host: localhost"])).status).toBe(421);
    } finally {
      await pinned.stop();
    }
  }, 30_000);

  test("a short Host never changes which route runs", async () => {
    // Even when the operator allows a one-letter name, the router reads the path the client sent.
    const short = await startTestApp({ env: { ALLOWED_HOSTS: "x,ab" } });
    try {
      const shortPort = Number(new URL(short.url).port);
      for (const [host, path] of [["x", "/xyzw/metrics"], ["x", "/xyzw/dev/outbox.json"], ["ab", "/xyz/health"], ["x", "/abcd/api/v1/auth/me"]] as const) {
        const response = await rawGet(shortPort, path, [`Host: ${host}`]);
        expectError(parsed(response), 404, "not_found");
      }
      const metrics = await rawGet(shortPort, "/metrics", ["Host: x"]);
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain("cobalt_http_requests_total");
    } finally {
      await short.stop();
    }
  }, 30_000);

  test("ALLOWED_HOSTS defaults to the APP_URL host, plus loopback names outside production", () => {
    expect(loadConfig({ APP_URL: "https://auth.example.com" }).allowedHosts).toEqual(["auth.example.com", "localhost", "127.0.0.1", "[::1]"]);
    expect(loadConfig({ ...PRODUCTION, APP_URL: "https://Auth.Example.com:8443" }).allowedHosts).toEqual(["auth.example.com"]);
    expect(loadConfig({ ALLOWED_HOSTS: "A.example , b.example:81" }).allowedHosts).toEqual(["a.example", "b.example:81"]);
    expect(() => loadConfig({ ALLOWED_HOSTS: "good.example,bad/host" })).toThrow(/ALLOWED_HOSTS/);
  });

  test("HOST binds loopback outside production and every interface in production", () => {
    expect(loadConfig({}).host).toBe("127.0.0.1");
    expect(loadConfig({ NODE_ENV: "test" }).host).toBe("127.0.0.1");
    expect(loadConfig(PRODUCTION).host).toBe("0.0.0.0");
    expect(loadConfig({ HOST: "::" }).host).toBe("::");
    expect(() => loadConfig({ HOST: "not a host" })).toThrow(/HOST/);
  });
});

describe("dev outbox", () => {
  const ordinary404 = async () => (await app.json("GET", "/dev/nothing-here")).body;

  test("a browser on this machine reads it", async () => {
    const user = await registerUser(app);
    await app.deps.background.settled();
    const json = await app.json<{ to: string }[]>("GET", "/dev/outbox.json");
    expect(json.status).toBe(200);
    expect(json.body.some((message) => message.to === user.email)).toBe(true);
    expect((await app.fetch("/dev/outbox")).status).toBe(200);
  });

  test("a reset link cannot be read through a proxy: the takeover of the review", async () => {
    const victim = await registerUser(app);
    // The attacker asks for the victim's reset (anyone may), then reads the outbox from outside.
    expect((await app.json("POST", "/api/v1/auth/forgot-password", { email: victim.email }, { "x-forwarded-for": "203.0.113.9" })).status).toBe(202);
    await app.deps.background.settled();
    expect(app.deps.mailer.outbox!.some((message) => message.to === victim.email && message.text.includes("/reset-password?token="))).toBe(true);
    const expected = await ordinary404();
    const proxied: Record<string, string>[] = [{ "x-forwarded-for": "203.0.113.9" }, { forwarded: "for=203.0.113.9" }, { "x-real-ip": "203.0.113.9" }, { "x-forwarded-for": "127.0.0.1" }];
    for (const headers of proxied) {
      for (const path of ["/dev/outbox.json", "/dev/outbox"]) {
        const response = await app.json<Record<string, unknown>>("GET", path, undefined, { ...headers, accept: "text/html" });
        expect(response.status).toBe(404);
        expect(response.body.code).toBe((expected as { code: string }).code);
        expect(JSON.stringify(response.body)).not.toContain("reset-password");
      }
    }
  });

  test("a request with no known peer address (not a socket on this machine) gets the 404", async () => {
    const response = await createApp(app.deps).handle(new Request("http://localhost/dev/outbox.json", { headers: { host: "localhost" } }));
    expect(response.status).toBe(404);
  });

  test("it does not exist in production, nor when SMTP_URL is set", async () => {
    const production = await startTestApp({ env: { ...PRODUCTION, ALLOWED_HOSTS: "127.0.0.1" } });
    const smtp = await startTestApp({ env: { SMTP_URL: "smtp://127.0.0.1:1" } });
    try {
      for (const other of [production, smtp]) {
        expect(other.deps.mailer.outbox).toBeNull();
        for (const path of ["/dev/outbox.json", "/dev/outbox"]) expectError(await other.json("GET", path), 404, "not_found");
      }
    } finally {
      await production.stop();
      await smtp.stop();
    }
  }, 30_000);
});

describe("metrics in production without METRICS_TOKEN", () => {
  test("answer a scraper on this machine and nobody else", async () => {
    const production = await startTestApp({ env: { ...PRODUCTION, ALLOWED_HOSTS: "127.0.0.1", TRUST_PROXY: "1" } });
    try {
      const local = await production.fetch("/metrics");
      expect(local.status).toBe(200);
      expect(await local.text()).toContain("cobalt_http_requests_total");
      expectError(await production.json("GET", "/metrics", undefined, { "x-forwarded-for": "198.51.100.7" }), 404, "not_found");
      const handled = await createApp(production.deps).handle(new Request("http://127.0.0.1/metrics", { headers: { host: "127.0.0.1" } }));
      expect(handled.status).toBe(404);
    } finally {
      await production.stop();
    }
  }, 30_000);
});
