/**
 * The document describes what the server really answers: every response of a full client flow,
 * errors included, is validated with ajv (JSON Schema 2020-12 + formats) against the operation's
 * documented response, and every status seen must be documented for that operation. Field names
 * are snake_case everywhere, and the documented headers carry values of their documented type.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { latestTokenFor } from "./helpers/mail";
import { type Document, fetchDocument, type Json, resolve } from "./helpers/openapi";
import { bearer, cookieValue, type RegisteredUser, registerUser, uniqueUser } from "./helpers/users";

let app: TestApp;
let document: Document;
let ajv: Ajv2020;
const problems: string[] = [];
const seen: string[] = [];
const SOME_ID = "00000000-0000-4000-8000-000000000000";

beforeAll(async () => {
  // One email per address and IP: the second forgot-password is a 429 to check too.
  app = await startTestApp({ env: { ...RELAXED_LIMITS, RATE_LIMIT_EMAIL: "1/900" } });
  ({ document } = await fetchDocument(app));
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: "openapi.json" });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

function snakeCaseProblems(value: unknown, at: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => snakeCaseProblems(item, `${at}[${index}]`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [...(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(key) ? [] : [`${at}.${key} is not snake_case`]), ...snakeCaseProblems(child, `${at}.${key}`)]);
}

/** Sends a request to a documented operation and checks the answer against the document. */
async function call(method: string, template: string, options: { params?: Record<string, string>; query?: string; body?: unknown; raw?: string; type?: string; headers?: Record<string, string> } = {}) {
  let path = template;
  for (const [name, value] of Object.entries(options.params ?? {})) path = path.replace(`{${name}}`, value);
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const type = options.type ?? (body === undefined ? undefined : "application/json");
  const response = await app.fetch(path + (options.query ? `?${options.query}` : ""), { method, body, headers: { ...(type ? { "content-type": type } : {}), ...options.headers } });
  const text = await response.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  const where = `${method} ${template} → ${response.status}`;
  seen.push(where);

  const operation = document.paths[template]?.[method.toLowerCase()];
  if (!operation) {
    problems.push(`${where}: no such operation in the document`);
    return { status: response.status, headers: response.headers, body: json as Json };
  }
  const declared = operation.responses?.[String(response.status)];
  if (!declared) {
    problems.push(`${where}: status not documented (documented: ${Object.keys(operation.responses ?? {}).join(", ")})`);
    return { status: response.status, headers: response.headers, body: json as Json };
  }
  // The response object, and a JSON pointer to its schema that ajv resolves inside the document.
  const ref = typeof declared.$ref === "string" ? declared.$ref : `#/${pointer("paths", template, method.toLowerCase(), "responses", String(response.status))}`;
  const answer = resolve<{ content?: Record<string, unknown>; headers?: Record<string, unknown> }>(document, declared);
  if (answer.content?.["application/json"]) {
    if (!(response.headers.get("content-type") ?? "").startsWith("application/json")) problems.push(`${where}: content-type ${response.headers.get("content-type")}`);
    const validate = ajv.getSchema(`openapi.json${ref}/content/application~1json/schema`) ?? ajv.compile({ $ref: `openapi.json${ref}/content/application~1json/schema` });
    if (!validate(json)) problems.push(`${where}: body does not match: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 300)}`);
    problems.push(...snakeCaseProblems(json, where));
  } else if (text !== "") {
    problems.push(`${where}: documented without a body, answered ${text.slice(0, 100)}`);
  }
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    const headerSchema = resolve<{ schema?: { type?: string; enum?: string[] } }>(document, value).schema;
    const actual = response.headers.get(name);
    if (actual === null) continue;
    if (headerSchema?.type === "integer" && !/^\d+$/.test(actual)) problems.push(`${where}: header ${name}=${actual} is not an integer`);
    if (headerSchema?.enum && !headerSchema.enum.includes(actual)) problems.push(`${where}: header ${name}=${actual} not in ${headerSchema.enum.join(", ")}`);
  }
  return { status: response.status, headers: response.headers, body: json as Json };
}

describe("real responses match the document", () => {
  let user: RegisteredUser;
  let admin: RegisteredUser;

  test("sign-up, sign-in, tokens and sessions", async () => {
    const input = uniqueUser("flow");
    const created = await call("POST", "/api/v1/auth/register", { body: input });
    expect(created.status).toBe(201);
    const refreshToken = cookieValue(created, "refresh_token")!;
    const accessToken = String(created.body.access_token);
    await call("POST", "/api/v1/auth/register", { body: input }); // 409
    await call("POST", "/api/v1/auth/register", { body: { username: "x", email: "nope", password: "short" } }); // 422
    await call("POST", "/api/v1/auth/register", { raw: "{not json" }); // 400
    await call("POST", "/api/v1/auth/register", { raw: "username=a", type: "application/x-www-form-urlencoded" }); // 415
    await call("POST", "/api/v1/auth/register", { raw: JSON.stringify({ ...uniqueUser(), pad: "x".repeat(1_100_000) }) }); // 413

    await call("POST", "/api/v1/auth/login", { body: { username_or_email: input.username, password: input.password } });
    await call("POST", "/api/v1/auth/login", { body: { username_or_email: input.username, password: "wrong password" } }); // 401
    await call("GET", "/api/v1/auth/me", { headers: bearer(accessToken) });
    await call("GET", "/api/v1/auth/me"); // 401
    await call("GET", "/api/v1/auth/me", { headers: bearer("forged.token.here") }); // 401

    const rotated = await call("POST", "/api/v1/auth/refresh", { headers: { cookie: `refresh_token=${refreshToken}` } });
    expect(rotated.status).toBe(200);
    await call("POST", "/api/v1/auth/refresh", { body: { refresh_token: cookieValue(rotated, "refresh_token")! } });
    await call("POST", "/api/v1/auth/refresh"); // 401, no token at all
    await call("POST", "/api/v1/auth/refresh", { body: { refresh_token: 42 } }); // 422

    await call("GET", "/api/v1/auth/sessions", { headers: bearer(accessToken) });
    await call("DELETE", "/api/v1/auth/sessions/{id}", { params: { id: SOME_ID }, headers: bearer(accessToken) }); // 404
    await call("DELETE", "/api/v1/auth/sessions/{id}", { params: { id: "not-a-uuid" }, headers: bearer(accessToken) }); // 422
    await call("POST", "/api/v1/auth/logout", { headers: bearer(accessToken) }); // 204
    await call("POST", "/api/v1/auth/logout"); // 204 with nothing
    user = await registerUser(app);
  });

  test("email verification and passwords", async () => {
    await call("POST", "/api/v1/auth/send-verification", { headers: bearer(user.accessToken) }); // 202
    const token = await latestTokenFor(app, user.email, "/verify-email");
    await call("POST", "/api/v1/auth/verify-email", { body: { token } }); // 200
    await call("POST", "/api/v1/auth/verify-email", { body: { token } }); // 400, used
    await call("POST", "/api/v1/auth/send-verification", { headers: bearer(user.accessToken) }); // 400 already_verified
    await call("POST", "/api/v1/auth/forgot-password", { body: { email: user.email } }); // 202
    await call("POST", "/api/v1/auth/forgot-password", { body: { email: user.email } }); // 429
    await call("POST", "/api/v1/auth/reset-password", { body: { token: "no-such-token", password: "a new long password" } }); // 400
    await call("POST", "/api/v1/auth/change-password", { body: { current_password: "wrong", new_password: "a new long password" }, headers: bearer(user.accessToken) });
    await call("POST", "/api/v1/auth/change-password", { body: { current_password: user.password, new_password: "a new long password" }, headers: bearer(user.accessToken) }); // 200
  });

  test("administration", async () => {
    admin = await registerAdmin(app);
    const asAdmin = bearer(admin.accessToken);
    const target = await registerUser(app);
    await call("GET", "/api/v1/admin/users", { headers: asAdmin, query: "per_page=2&sort=-username&email_verified=false&status=active&role=user" });
    await call("GET", "/api/v1/admin/users", { headers: asAdmin, query: "per_page=many" }); // 422
    await call("GET", "/api/v1/admin/users", { headers: bearer(target.accessToken) }); // 403
    await call("GET", "/api/v1/admin/users/{id}", { params: { id: target.id }, headers: asAdmin });
    await call("GET", "/api/v1/admin/users/{id}", { params: { id: SOME_ID }, headers: asAdmin }); // 404
    await call("PATCH", "/api/v1/admin/users/{id}/disable", { params: { id: target.id }, headers: asAdmin });
    await call("PATCH", "/api/v1/admin/users/{id}/disable", { params: { id: admin.id }, headers: asAdmin }); // 409
    await call("PATCH", "/api/v1/admin/users/{id}/enable", { params: { id: target.id }, headers: asAdmin });
    await call("PATCH", "/api/v1/admin/users/{id}/role", { params: { id: target.id }, body: { role: "admin" }, headers: asAdmin });
    await call("PATCH", "/api/v1/admin/users/{id}/role", { params: { id: target.id }, body: { role: "root" }, headers: asAdmin }); // 422
    await call("GET", "/api/v1/admin/users/{id}/sessions", { params: { id: target.id }, headers: asAdmin });
    await call("DELETE", "/api/v1/admin/users/{id}/sessions/{session_id}", { params: { id: target.id, session_id: SOME_ID }, headers: asAdmin }); // 404
    await call("GET", "/api/v1/admin/stats", { headers: asAdmin });
    await call("GET", "/api/v1/admin/audit", { headers: asAdmin, query: `user_id=${target.id}&per_page=5` });
    await call("DELETE", "/api/v1/admin/users/{id}", { params: { id: target.id }, headers: asAdmin }); // 204
    await call("POST", "/api/v1/auth/logout-all", { headers: asAdmin }); // 204
    await call("GET", "/api/v1/admin/stats", { headers: asAdmin }); // 401, revoked
  });

  test("probes and keys", async () => {
    await call("GET", "/health");
    await call("GET", "/health/live");
    await call("GET", "/health/ready");
    await call("GET", "/.well-known/jwks.json");
  });

  test("a wrong method answers 405 in the documented error shape", async () => {
    const response = await app.fetch("/api/v1/auth/login", { method: "GET" });
    const validate = ajv.getSchema("openapi.json#/components/schemas/Error")!;
    expect(validate(await response.json())).toBe(true);
    expect(response.status).toBe(405);
    // The validators are real: a wrong shape or an unknown code is refused.
    expect(validate({ error: "x", code: "no_such_code", details: {}, request_id: "r" })).toBe(false);
    const token = ajv.compile({ $ref: `openapi.json#/${pointer("paths", "/api/v1/auth/login", "post", "responses", "200")}/content/application~1json/schema` });
    expect(token({ access_token: "a", token_type: "Bearer", expires_in: "900", user: {} })).toBe(false);
  });

  test("every answer matched, and the flow saw the statuses it was built to see", () => {
    expect(problems).toEqual([]);
    const statuses = new Set(seen.map((entry) => entry.slice(entry.lastIndexOf(" ") + 1)));
    for (const status of ["200", "201", "202", "204", "400", "401", "403", "404", "409", "413", "415", "422", "429"]) expect({ status, seen: statuses.has(status) }).toEqual({ status, seen: true });
    console.log(`checked ${seen.length} responses against the document: ${[...statuses].sort().join(", ")}`);
  });
});
