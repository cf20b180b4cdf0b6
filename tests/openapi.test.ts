import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app";
import { START_TIMEOUT_MS } from "./helpers/auth";
import { type Document, resolve } from "./helpers/openapi";

let app: TestApp;

interface Operation {
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
  responses?: Record<string, unknown>;
  security?: Record<string, unknown>[];
}
interface Spec {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, { type?: string; scheme?: string }> };
}

let spec: Spec;

beforeAll(async () => {
  app = await startTestApp();
  const response = await app.fetch("/swagger/json");
  expect(response.status).toBe(200);
  spec = (await response.json()) as Spec;
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

// docs/routes.md: the /auth routes, their JSON bodies, and whether they need the bearer token.
const AUTH_ROUTES: { method: string; path: string; body?: string[]; bearer: boolean }[] = [
  { method: "post", path: "/api/v1/auth/register", body: ["username", "email", "password"], bearer: false },
  { method: "post", path: "/api/v1/auth/login", body: ["username_or_email", "password"], bearer: false },
  { method: "post", path: "/api/v1/auth/refresh", body: ["refresh_token"], bearer: false },
  { method: "post", path: "/api/v1/auth/logout", bearer: false },
  { method: "post", path: "/api/v1/auth/logout-all", bearer: true },
  { method: "get", path: "/api/v1/auth/me", bearer: true },
  { method: "post", path: "/api/v1/auth/send-verification", bearer: true },
  { method: "post", path: "/api/v1/auth/verify-email", body: ["token"], bearer: false },
  { method: "post", path: "/api/v1/auth/forgot-password", body: ["email"], bearer: false },
  { method: "post", path: "/api/v1/auth/reset-password", body: ["token", "password"], bearer: false },
  { method: "post", path: "/api/v1/auth/change-password", body: ["current_password", "new_password"], bearer: true },
  { method: "get", path: "/api/v1/auth/sessions", bearer: true },
  { method: "delete", path: "/api/v1/auth/sessions/{id}", bearer: true },
];

const operation = (method: string, path: string) => spec.paths[path]?.[method];

describe("OpenAPI document at /swagger/json", () => {
  test("is OpenAPI 3 and lists every /api/v1/auth route", () => {
    expect(spec.openapi).toMatch(/^3\./);
    for (const route of AUTH_ROUTES) expect(operation(route.method, route.path) ? `${route.method} ${route.path}` : `missing ${route.method} ${route.path}`).toBe(`${route.method} ${route.path}`);
  });

  test("documents only the canonical /api/v1 prefix, not the /api alias", () => {
    const aliases = Object.keys(spec.paths).filter((path) => path.startsWith("/api/") && !path.startsWith("/api/v1/"));
    expect(aliases).toEqual([]);
  });

  test("describes the JSON request body of every route that takes one", () => {
    const wrong = AUTH_ROUTES.filter((r) => r.body)
      .map((route) => {
        const schema = resolve<{ properties?: Record<string, unknown> }>(spec as unknown as Document, operation(route.method, route.path)?.requestBody?.content?.["application/json"]?.schema);
        return { route: route.path, properties: Object.keys(schema?.properties ?? {}).sort(), expected: [...route.body!].sort() };
      })
      .filter((entry) => JSON.stringify(entry.properties) !== JSON.stringify(entry.expected));
    expect(wrong).toEqual([]);
  });

  test("documents a success response of every /api/v1 operation, and 401 where a token is needed", () => {
    const withoutSuccess: string[] = [];
    for (const [path, operations] of Object.entries(spec.paths).filter(([path]) => path.startsWith("/api/v1/"))) {
      for (const [method, op] of Object.entries(operations)) {
        if (!Object.keys(op.responses ?? {}).some((status) => /^2\d\d$/.test(status))) withoutSuccess.push(`${method} ${path}`);
      }
    }
    expect(withoutSuccess).toEqual([]);
    const without401 = AUTH_ROUTES.filter((r) => r.bearer && !("401" in (operation(r.method, r.path)?.responses ?? {}))).map((r) => `${r.method} ${r.path}`);
    expect(without401).toEqual([]);
  });

  test("declares the bearer scheme and requires it on the routes that need a token", () => {
    const schemes = spec.components?.securitySchemes ?? {};
    const bearerName = Object.entries(schemes).find(([, scheme]) => scheme.type === "http" && scheme.scheme?.toLowerCase() === "bearer")?.[0];
    expect(bearerName).toBeDefined();
    for (const route of AUTH_ROUTES.filter((r) => r.bearer)) {
      const security = operation(route.method, route.path)?.security ?? [];
      expect({ route: route.path, bearer: security.some((requirement) => bearerName! in requirement) }).toEqual({ route: route.path, bearer: true });
    }
  });
});

describe("API reference page at /swagger", () => {
  test("loads its script and stylesheet from this server only", async () => {
    const response = await app.fetch("/swagger");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    const urls = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((match) => match[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) expect(url).not.toMatch(/^(https?:)?\/\//i);
    expect(html).not.toMatch(/@import\s+url\(\s*["']?(https?:)?\/\//i);
    expect(urls).toContain("/swagger/assets/swagger-ui-bundle.js");
  });

  test("serves the Swagger UI bundle and stylesheet", async () => {
    const bundle = await app.fetch("/swagger/assets/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const css = await app.fetch("/swagger/assets/swagger-ui.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toMatch(/css/);
  });

  test("serves nothing else from the asset directory", async () => {
    for (const file of ["package.json", "..%2F..%2Fpackage.json", "index.html", "swagger-ui.js.map"]) {
      expect((await app.fetch(`/swagger/assets/${file}`)).status).toBe(404);
    }
  });
});
