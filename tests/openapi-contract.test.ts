/**
 * What a client generator relies on in the OpenAPI document, beyond structural validity: the same
 * document whatever requests came before it, stable operationIds, `security` on every operation,
 * named schemas, the statuses the shared mechanisms answer, and the cookies and limit headers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorCodes } from "../src/errors";
import { startTestApp, type TestApp } from "./helpers/app";
import { START_TIMEOUT_MS } from "./helpers/auth";
import { type Document, fetchDocument, operations, resolve } from "./helpers/openapi";

let app: TestApp;
let text: string;
let document: Document;

beforeAll(async () => {
  app = await startTestApp();
  ({ text, document } = await fetchDocument(app));
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const op = (method: string, path: string) => document.paths[path]?.[method];
const apiOperations = () => operations(document).filter(({ path }) => path.startsWith("/api/"));

describe("the OpenAPI document is the same whatever came before it", () => {
  test("after a request to every documented operation, a new instance publishes byte-identical JSON", async () => {
    // One request to each operation, as a client exploring the API would send: a JSON body where
    // one is taken, a well-formed id in the path. Elysia compiles each route's validators on first
    // use; nothing it does then may leak into the schemas the document is built from.
    for (const { path, method, operation } of operations(document)) {
      const url = path.replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000");
      const init: RequestInit = { method: method.toUpperCase() };
      if (operation.requestBody) Object.assign(init, { body: "{}", headers: { "content-type": "application/json" } });
      const response = await app.fetch(url, init);
      expect({ path, method, status: response.status < 500 }).toEqual({ path, method, status: true });
    }
    const again = await startTestApp({ shareWith: app });
    try {
      expect((await fetchDocument(again)).text).toBe(text);
    } finally {
      await again.stop();
    }
    expect((await fetchDocument(app)).text).toBe(text);
  }, 60_000);
});

describe("operations", () => {
  test("every operation has a short, unique, identifier-safe operationId without the version", () => {
    const ids = operations(document).map(({ operation }) => operation.operationId ?? "(missing)");
    expect(ids.filter((id) => !/^[a-z][A-Za-z0-9]{1,39}$/.test(id) || /v\d/i.test(id))).toEqual([]);
    expect(ids.length).toBe(new Set(ids).size);
    for (const [method, path, id] of [
      ["post", "/api/v1/auth/login", "login"],
      ["post", "/api/v1/auth/logout-all", "logoutAll"],
      ["get", "/api/v1/admin/users", "listUsers"],
    ] as const) {
      expect(op(method, path)?.operationId).toBe(id);
    }
  });

  test("every operation declares security ([] when public) and a described tag", () => {
    const tags = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description ?? ""]));
    for (const { path, method, operation } of operations(document)) {
      expect({ path, method, security: Array.isArray(operation.security) }).toEqual({ path, method, security: true });
      expect({ path, method, tagged: (operation.tags ?? []).length > 0 && (operation.tags ?? []).every((tag) => (tags.get(tag) ?? "").length > 0) }).toEqual({ path, method, tagged: true });
    }
    expect(op("post", "/api/v1/auth/login")?.security).toEqual([]);
    expect(op("post", "/api/v1/auth/register")?.security).toEqual([]);
    // Sign-out works with whatever the client holds; a generator must send the token to it.
    const logout = op("post", "/api/v1/auth/logout")?.security ?? [];
    expect(logout.some((requirement) => "bearer" in requirement)).toBe(true);
    expect(logout.some((requirement) => "refreshCookie" in requirement)).toBe(true);
    expect(document.components.securitySchemes?.refreshCookie).toMatchObject({ type: "apiKey", in: "cookie", name: "refresh_token" });
  });

  test("names the server from APP_URL", () => {
    expect(document.servers?.[0]?.url).toBe(app.config.appUrl.replace(/\/+$/, ""));
  });
});

describe("schemas", () => {
  test("reusable schemas are named in components.schemas and referenced", () => {
    const names = Object.keys(document.components.schemas ?? {});
    for (const name of ["Error", "ErrorCode", "TokenResponse", "Me", "Session", "User", "UserPage", "AuditPage"]) expect(names).toContain(name);
    const login = op("post", "/api/v1/auth/login")!;
    expect(login.responses?.["200"]).toMatchObject({ content: { "application/json": { schema: { $ref: "#/components/schemas/TokenResponse" } } } });
    expect(resolve(document, document.components.schemas?.TokenResponse)).toMatchObject({ properties: { user: { $ref: "#/components/schemas/Me" }, expires_in: { type: "integer" } } });
    // The inlined-error count that made the document unreadable: now one schema, referenced.
    expect(text.split('"#/components/schemas/Error"').length - 1).toBeLessThanOrEqual(Object.keys(document.components.responses ?? {}).length + 1);
  });

  test("ErrorCode is the error-code registry, as an enum", () => {
    expect(document.components.schemas?.ErrorCode).toMatchObject({ type: "string", enum: errorCodes() });
    expect(resolve(document, document.components.schemas?.Error)).toMatchObject({ properties: { code: { $ref: "#/components/schemas/ErrorCode" } } });
  });

  test("counts are integers and nullable fields are JSON Schema 2020-12 type arrays, never OpenAPI 3.0's `nullable`", () => {
    // Schemas only (the examples of error answers do have an "error" field).
    const schemas = JSON.stringify([document.components.schemas, operations(document).map(({ operation }) => operation.parameters ?? [])]);
    for (const leak of ['"nullable"', '"format":"integer"', '"format":"numeric"', '"error":"']) expect({ leak, found: schemas.includes(leak) }).toEqual({ leak, found: false });
    const page = resolve(document, document.components.schemas?.UserPage) as { properties: Record<string, { type?: unknown }> };
    for (const field of ["total", "page", "per_page", "total_pages"]) expect(page.properties[field]?.type).toBe("integer");
    const user = resolve(document, document.components.schemas?.User) as { properties: Record<string, { type?: unknown }> };
    expect(user.properties.disabled_at?.type).toEqual(["string", "null"]);
  });

  test("query parameters carry the types the server enforces", () => {
    const params = Object.fromEntries((op("get", "/api/v1/admin/users")?.parameters ?? []).map((p) => ["name" in p ? p.name : "", "schema" in p ? p.schema : {}]));
    expect(params.page).toMatchObject({ type: "integer" });
    expect(params.per_page).toMatchObject({ type: "integer" });
    expect(params.email_verified).toEqual({ type: "boolean" });
    expect(params.role).toMatchObject({ enum: ["user", "admin"] });
    expect(params.status).toMatchObject({ enum: ["active", "disabled"] });
    expect((params.sort as { enum?: string[] }).enum).toEqual(["created_at", "-created_at", "last_login_at", "-last_login_at", "username", "-username", "email", "-email"]);
  });
});

describe("responses", () => {
  test("204s have a description and no content", () => {
    for (const { path, method, operation } of operations(document)) {
      const noContent = operation.responses?.["204"];
      if (!noContent) continue;
      expect({ path, method, description: typeof noContent.description, content: noContent.content }).toEqual({ path, method, description: "string", content: undefined });
    }
  });

  test("the statuses of the shared mechanisms are documented on every operation they apply to", () => {
    const missing: string[] = [];
    for (const { path, method, operation } of apiOperations()) {
      const expected = ["421", "429", "503"];
      if (operation.requestBody) expected.push("400", "413", "415", "422");
      if (operation.parameters?.length) expected.push("422");
      if (operation.security?.some((requirement) => "bearer" in requirement) && !operation.security.some((requirement) => Object.keys(requirement).length === 0)) expected.push("401");
      for (const status of expected) if (!operation.responses?.[status]) missing.push(`${method} ${path} ${status}`);
    }
    expect(missing).toEqual([]);
  });

  test("request bodies are JSON only; the refresh body is optional", () => {
    for (const { path, method, operation } of apiOperations()) {
      if (operation.requestBody) expect({ path, method, types: Object.keys(operation.requestBody.content ?? {}) }).toEqual({ path, method, types: ["application/json"] });
    }
    expect(op("post", "/api/v1/auth/refresh")?.requestBody?.required).toBe(false);
    expect(op("post", "/api/v1/auth/login")?.requestBody?.required).toBe(true);
  });

  test("Set-Cookie, RateLimit-* and Retry-After are documented", () => {
    for (const path of ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh"]) {
      const success = Object.entries(op("post", path)?.responses ?? {}).find(([status]) => status.startsWith("2"))![1] as { headers?: Record<string, unknown> };
      expect(Object.keys(success.headers ?? {})).toEqual(expect.arrayContaining(["Set-Cookie", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Cache-Control"]));
    }
    const limited = resolve(document, op("get", "/api/v1/auth/me")?.responses?.["429"]) as { headers?: Record<string, unknown> };
    expect(Object.keys(limited.headers ?? {})).toEqual(expect.arrayContaining(["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]));
    const unauthorized = resolve(document, op("get", "/api/v1/auth/me")?.responses?.["401"]) as { headers?: Record<string, unknown> };
    expect(Object.keys(unauthorized.headers ?? {})).toContain("WWW-Authenticate");
    expect(Object.keys((op("post", "/api/v1/auth/register")?.responses?.["201"]?.headers as Record<string, unknown>) ?? {})).toContain("Location");
  });
});
