import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../src/app";
import { startTestApp, type TestApp } from "./helpers/app";
import { me } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { registerUser } from "./helpers/users";

// GET /auth/me does only what it needs (docs/architecture.md, "A request's path"): no cookie jar
// and no copy of the headers for a bearer request, while pages still get both. The compiled
// handlers are Elysia's own code, so what they build is read from them.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

type CompiledRoute = { method: string; path: string; compile(): unknown };
function compiled(path: string): string {
  const routes = createApp(app.deps).routes as unknown as CompiledRoute[];
  const route = routes.find((candidate) => candidate.method === "GET" && candidate.path === path);
  if (!route) throw new Error(`no GET ${path}`);
  return String(route.compile());
}

describe(`the /auth/me hot path (${backendName()})`, () => {
  test("a bearer /auth/me builds neither the cookie jar nor a copy of the headers", () => {
    const source = compiled("/api/v1/auth/me");
    expect(source).not.toContain("parseCookie");
    expect(source).not.toContain("headers.toJSON");
  });

  test("a page still reads its cookies", () => {
    expect(compiled("/dashboard")).toContain("parseCookie");
  });

  test("a bearer /auth/me still carries the security headers, the request id and no-store", async () => {
    const user = await registerUser(app);
    const answer = await me(app, user.accessToken, { cookie: "access_token=not-this-one; theme=dark" });
    expect(answer.status).toBe(200);
    expect(answer.body.id).toBe(user.id);
    expect(answer.headers.get("x-request-id")).toBeTruthy();
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(answer.headers.get("content-security-policy")).toContain("default-src 'self'");
  });

  test("the access cookie alone signs in an API request (the bearer header wins when both come)", async () => {
    const user = await registerUser(app);
    const byCookie = await app.json("GET", "/api/v1/auth/me", undefined, { cookie: `theme=dark; access_token=${user.accessToken}` });
    expect(byCookie.status).toBe(200);
    expect((byCookie.body as { id: string }).id).toBe(user.id);
  });
});
