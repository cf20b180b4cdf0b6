import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { bearer, registerUser } from "./helpers/users";

let app: TestApp;
const ALLOWED = "https://app.example.com";
const ALSO_ALLOWED = "http://localhost:5173";
const DISALLOWED = "https://evil.example.net";

beforeAll(async () => {
  app = await startTestApp({ env: { ...RELAXED_LIMITS, CORS_ORIGINS: `${ALLOWED},${ALSO_ALLOWED}` } });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const list = (value: string | null) => (value ?? "").split(",").map((part) => part.trim().toLowerCase()).filter(Boolean);

describe("CORS", () => {
  test("an allowed origin gets its own origin back with credentials", async () => {
    for (const origin of [ALLOWED, ALSO_ALLOWED]) {
      const response = await app.fetch("/health/live", { headers: { origin } });
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
      expect(response.headers.get("access-control-allow-credentials")).toBe("true");
      expect(list(response.headers.get("vary"))).toContain("origin");
    }
  });

  test("an allowed origin can read the request id and rate-limit headers", async () => {
    const response = await app.fetch("/api/v1/auth/me", { headers: { origin: ALLOWED } });
    const exposed = list(response.headers.get("access-control-expose-headers"));
    for (const header of ["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]) expect(exposed).toContain(header);
  });

  test("a preflight from an allowed origin lists the methods and headers the API uses", async () => {
    const response = await app.fetch("/api/v1/auth/logout-all", {
      method: "OPTIONS",
      headers: { origin: ALLOWED, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    const methods = list(response.headers.get("access-control-allow-methods"));
    for (const method of ["get", "post", "patch", "delete"]) expect(methods).toContain(method);
    const headers = list(response.headers.get("access-control-allow-headers"));
    for (const header of ["authorization", "content-type"]) expect(headers).toContain(header);
  });

  test("a disallowed origin gets no Access-Control-Allow-Origin, on requests or preflights", async () => {
    const plain = await app.fetch("/health/live", { headers: { origin: DISALLOWED } });
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await app.fetch("/api/v1/auth/me", {
      method: "OPTIONS",
      headers: { origin: DISALLOWED, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    // Look-alikes of allowed origins are not allowed either.
    for (const origin of [`${ALLOWED}.evil.net`, "https://app.example.com:8443", "http://app.example.com", "null"]) {
      const response = await app.fetch("/health/live", { headers: { origin } });
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  test("never answers with a wildcard origin", async () => {
    for (const origin of [ALLOWED, DISALLOWED]) {
      const response = await app.fetch("/api/v1/auth/me", { headers: { origin } });
      expect(response.headers.get("access-control-allow-origin")).not.toBe("*");
    }
  });
});

describe("security headers", () => {
  function expectSecurityHeaders(response: Response) {
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(response.headers.get("referrer-policy")).toBeTruthy();
    expect(response.headers.get("referrer-policy")).not.toBe("unsafe-url");
    expect(response.headers.get("cross-origin-opener-policy")).toBe("same-origin");
  }

  test("are on JSON successes, errors and not-found answers alike", async () => {
    const user = await registerUser(app);
    expectSecurityHeaders(await app.fetch("/api/v1/auth/me", { headers: bearer(user.accessToken) }));
    expectSecurityHeaders(await app.fetch("/api/v1/auth/me"));
    expectSecurityHeaders(await app.fetch("/no/such/page"));
    expectSecurityHeaders(await app.fetch("/health"));
    expectSecurityHeaders(await app.fetch("/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: "{" }));
  });

  test("the API never allows a script from anywhere but itself", async () => {
    const csp = (await app.fetch("/api/v1/auth/me")).headers.get("content-security-policy") ?? "";
    const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src") || d.startsWith("default-src"));
    expect(scriptSrc).toBeDefined();
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toMatch(/script-src[^;]*\*/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });
});

describe("cross-site requests on the API", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  test("an unsafe request authenticated by cookie from a foreign Origin is refused; bearer and no-Origin clients are not", async () => {
    const user = await registerUser(app);
    const cookie = `refresh_token=${user.refreshToken}`;
    const foreign = await app.fetch("/api/v1/auth/refresh", { method: "POST", headers: { cookie, origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { code: string }).code).toBe("cross_site_request");

    const own = await app.fetch("/api/v1/auth/refresh", { method: "POST", headers: { cookie, origin: "http://localhost:3000" } });
    expect(own.status).toBe(200);
    const rotated = own.headers.getSetCookie().find((c) => c.startsWith("refresh_token="))!.split(";")[0]!;
    const noOrigin = await app.fetch("/api/v1/auth/refresh", { method: "POST", headers: { cookie: rotated } });
    expect(noOrigin.status).toBe(200);

    const bearerFromAnywhere = await app.fetch("/api/v1/auth/logout-all", {
      method: "POST",
      headers: { authorization: `Bearer ${user.accessToken}`, origin: "https://evil.example", cookie },
    });
    expect(bearerFromAnywhere.status).toBe(204);
  });
});
