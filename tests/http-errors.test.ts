import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app";
import { type ErrorBody, expectError, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { uniqueUser } from "./helpers/users";

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

async function asJson(response: Response) {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Left as text: expectError then fails with the raw body in view.
  }
  return { status: response.status, body, headers: response.headers };
}

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const LIMIT = 1024 * 1024;

function chunkedBody(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 64 * 1024) controller.enqueue(bytes.slice(offset, offset + 64 * 1024));
      controller.close();
    },
  });
}

describe("X-Request-Id", () => {
  test("every response carries one: success, client error, not found", async () => {
    const responses = [
      await app.fetch("/health/live"),
      await app.fetch("/api/v1/auth/me"),
      await app.fetch("/definitely/not/here"),
      await app.fetch("/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: "{" }),
    ];
    const ids = responses.map((response) => response.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(SANE_ID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("a sane incoming id is echoed, up to 128 characters", async () => {
    for (const id of ["req-123", "a.b_c:d-E9", "x".repeat(128)]) {
      const response = await app.fetch("/health/live", { headers: { "x-request-id": id } });
      expect(response.headers.get("x-request-id")).toBe(id);
    }
  });

  test("an insane incoming id is replaced by a new sane one", async () => {
    for (const id of ["has spaces in it", "x".repeat(129), "semi;colon", "<script>", "a/b", "quote\"d"]) {
      const response = await app.fetch("/health/live", { headers: { "x-request-id": id } });
      const echoed = response.headers.get("x-request-id");
      expect(echoed).toMatch(SANE_ID);
      expect(echoed).not.toBe(id);
    }
  });

  test("an error body's request_id is the response's X-Request-Id, echoed or generated", async () => {
    const echoed = await asJson(await app.fetch("/api/v1/auth/me", { headers: { "x-request-id": "trace-abc.42" } }));
    expect((echoed.body as ErrorBody).request_id).toBe("trace-abc.42");
    expectError(echoed, 401, (echoed.body as ErrorBody).code);
    const generated = await asJson(await app.fetch("/api/v1/auth/me", { headers: { "x-request-id": "bad id" } }));
    expect((generated.body as ErrorBody).request_id).toBe(generated.headers.get("x-request-id")!);
    expect((generated.body as ErrorBody).request_id).not.toBe("bad id");
  });
});

describe("errors keep the shape {error, code, details, request_id}", () => {
  test("malformed JSON is a 400", async () => {
    const response = await asJson(await app.fetch("/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: '{"username_or_email": "a", ' }));
    expect(response.status).toBe(400);
    expectError(response, 400, (response.body as ErrorBody).code);
  });

  test("malformed JSON sent chunked is a 400", async () => {
    const response = await asJson(
      await app.fetch("/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: chunkedBody(new TextEncoder().encode("{not json")) }),
    );
    expect(response.status).toBe(400);
    expectError(response, 400, (response.body as ErrorBody).code);
  });

  test("an unknown route is a JSON 404, inside and outside /api", async () => {
    for (const path of ["/nope", "/api/v1/nope", "/api/v1/auth/nope", "/api/v2/auth/login"]) {
      expectError(await asJson(await app.fetch(path)), 404, "not_found");
    }
  });

  test("a known path with the wrong method is a JSON 404 or 405", async () => {
    const response = await asJson(await app.fetch("/api/v1/auth/login"));
    expect([404, 405]).toContain(response.status);
    expectError(response, response.status, (response.body as ErrorBody).code);
  });

  test("a validation error is a 422 naming the fields", async () => {
    const response = await app.json("POST", "/api/v1/auth/register", { username: "x", email: "y", password: 1 });
    const body = expectError(response, 422, "validation_error");
    expect(Object.keys(body.details.fields as object).sort()).toEqual(["email", "password", "username"]);
  });

  test("a body over 1 MiB with Content-Length is a JSON 413", async () => {
    const body = JSON.stringify({ ...uniqueUser("big"), padding: "a".repeat(LIMIT + 1024) });
    const response = await asJson(await app.fetch("/api/v1/auth/register", { method: "POST", headers: { "content-type": "application/json" }, body }));
    expectError(response, 413, (response.body as ErrorBody).code);
  });

  test("a body over 1 MiB sent chunked (no Content-Length) is a JSON 413", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ ...uniqueUser("chunk"), padding: "a".repeat(LIMIT + 1024) }));
    const response = await asJson(await app.fetch("/api/v1/auth/register", { method: "POST", headers: { "content-type": "application/json" }, body: chunkedBody(bytes) }));
    expect(response.status).toBe(413);
    expectError(response, 413, (response.body as ErrorBody).code);
  });

  test("a body just under 1 MiB is read normally", async () => {
    const input = uniqueUser("under");
    const body = JSON.stringify({ ...input, padding: "a".repeat(LIMIT - 4096) });
    const response = await app.fetch("/api/v1/auth/register", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(201);
  });
});
