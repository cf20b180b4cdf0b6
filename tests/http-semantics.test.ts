/**
 * HTTP as clients, caches and proxies expect it: 405 with Allow, 415 for bodies that are not
 * JSON, no caching of /api answers, WWW-Authenticate on 401, Location on 201, snake_case in
 * error details, and out-of-range paging clamped as documented.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";

let app: TestApp;
let admin: RegisteredUser;
const SOME_ID = "00000000-0000-4000-8000-000000000000";

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
  admin = await registerAdmin(app);
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

async function call(method: string, path: string, init: { body?: string; type?: string; headers?: Record<string, string> } = {}) {
  const response = await app.fetch(path, { method, body: init.body, headers: { ...(init.type ? { "content-type": init.type } : {}), ...init.headers } });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body };
}

describe("a known path with another method", () => {
  test("gets 405 with Allow listing the methods it takes, in the error shape", async () => {
    for (const [method, path, allow] of [
      ["GET", "/api/v1/auth/login", "POST, OPTIONS"],
      ["PUT", `/api/v1/auth/sessions/${SOME_ID}`, "DELETE, OPTIONS"],
      ["POST", "/api/v1/auth/me", "GET, HEAD, PATCH, DELETE, OPTIONS"],
      ["DELETE", "/api/auth/refresh", "POST, OPTIONS"],
      ["POST", "/swagger/json", "GET, HEAD, OPTIONS"],
      ["PUT", "/login", "GET, HEAD, POST, OPTIONS"],
    ] as const) {
      const response = await call(method, path);
      expect({ method, path, status: response.status, allow: response.headers.get("allow") }).toEqual({ method, path, status: 405, allow });
      expectError(response, 405, "method_not_allowed");
    }
  });

  test("an unknown path stays 404, and the right method still works", async () => {
    expectError(await call("GET", "/api/v1/auth/nothing-here"), 404, "not_found");
    expectError(await call("POST", "/api/v1/no/such/route", { body: "{}", type: "application/json" }), 404, "not_found");
    expect((await call("GET", "/api/v1/auth/me")).status).toBe(401);
    expect((await call("HEAD", "/health/live")).status).toBe(200);
  });
});

describe("a body the route does not take", () => {
  test("gets 415 before any field is read, whatever the type", async () => {
    const bodies: [string | undefined, string][] = [
      ["application/x-www-form-urlencoded", "username_or_email=a&password=b"],
      ["text/plain", '{"username_or_email":"a","password":"b"}'],
      ["multipart/form-data; boundary=x", "not multipart at all"],
      ["application/xml", "<login/>"],
      [undefined, '{"username_or_email":"a","password":"b"}'],
    ];
    for (const [type, body] of bodies) {
      const response = await app.fetch("/api/v1/auth/login", { method: "POST", body: new TextEncoder().encode(body), headers: type ? { "content-type": type } : {} });
      const parsed = { status: response.status, headers: response.headers, body: await response.json() };
      expect({ type, status: parsed.status }).toEqual({ type, status: 415 });
      expectError(parsed, 415, "unsupported_media_type");
    }
  });

  test("JSON with a charset parameter is JSON; a form post to a page is not affected", async () => {
    const wrong = await call("POST", "/api/v1/auth/login", { body: JSON.stringify({ username_or_email: "nobody_here", password: "x" }), type: "application/json; charset=utf-8" });
    expectError(wrong, 401, "invalid_credentials");
    const page = await app.fetch("/login", { method: "POST", body: "username_or_email=nobody&password=x", headers: { "content-type": "application/x-www-form-urlencoded", origin: app.config.appUrl } });
    expect(page.status).not.toBe(415);
  });
});

describe("headers clients and caches rely on", () => {
  test("every /api answer, success or error, says Cache-Control: no-store", async () => {
    const user = await registerUser(app);
    const answers = [
      await call("GET", "/api/v1/auth/me", { headers: bearer(user.accessToken) }),
      await call("GET", "/api/auth/me", { headers: bearer(user.accessToken) }),
      await call("GET", "/api/v1/auth/me"),
      await call("GET", "/api/v1/nothing"),
      await call("GET", "/api/v1/auth/login"),
      await call("POST", "/api/v1/auth/login", { body: "a=b", type: "application/x-www-form-urlencoded" }),
      await call("POST", "/api/v1/auth/login", { body: "{", type: "application/json" }),
    ];
    expect(answers.map((answer) => answer.headers.get("cache-control"))).toEqual(answers.map(() => "no-store"));
  });

  test("every 401 says WWW-Authenticate: Bearer, with error=invalid_token when a token was refused", async () => {
    expect((await call("GET", "/api/v1/auth/me")).headers.get("www-authenticate")).toBe('Bearer realm="cobalt"');
    const forged = await call("GET", "/api/v1/auth/me", { headers: bearer("not.a.token") });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("www-authenticate")).toBe('Bearer realm="cobalt", error="invalid_token"');
    const wrongPassword = await call("POST", "/api/v1/auth/login", { body: JSON.stringify({ username_or_email: admin.username, password: "not the password" }), type: "application/json" });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.headers.get("www-authenticate")).toStartWith("Bearer");
  });

  test("a 201 says where the new resource is", async () => {
    const response = await app.json("POST", "/api/v1/auth/register", { username: `loc_${crypto.randomUUID().slice(0, 8)}`, email: `loc-${crypto.randomUUID().slice(0, 8)}@example.com`, password: "correct horse battery" });
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe("/api/v1/auth/me");
  });
});

describe("field names and paging", () => {
  test("error details name fields in snake_case, path parameters included", async () => {
    const response = await app.json<{ details: { fields: Record<string, string> } }>("DELETE", `/api/v1/admin/users/${SOME_ID}/sessions/not-a-uuid`, undefined, bearer(admin.accessToken));
    expectError(response, 422, "validation_error");
    expect(Object.keys(response.body.details.fields)).toEqual(["session_id"]);
  });

  test("page and per_page out of range are clamped as documented; other values are refused", async () => {
    const list = (query: string) => app.json<{ page: number; per_page: number; code?: string }>("GET", `/api/v1/admin/users?${query}`, undefined, bearer(admin.accessToken));
    expect((await list("per_page=0")).body).toMatchObject({ per_page: 1 });
    expect((await list("per_page=-5&page=-2")).body).toMatchObject({ per_page: 1, page: 1 });
    expect((await list("per_page=101")).body).toMatchObject({ per_page: 100 });
    expect((await list("")).body).toMatchObject({ per_page: 20, page: 1 });
    for (const query of ["per_page=lots", "per_page=1.5", "sort=%2Busername", "sort=password_hash", "email_verified=yes", "role=root", "status=gone"]) {
      expectError(await list(query), 422, "validation_error");
    }
  });
});
