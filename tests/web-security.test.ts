/** CSRF refusal, `next` validation and escaping of user text on the pages. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../src/db/schema";
import { originAllowed } from "../src/web/csrf";
import { safeNext } from "../src/web/next";
import { RELAXED_LIMITS } from "./helpers/auth";
import { startTestApp, type TestApp } from "./helpers/app";
import { uniqueUser } from "./helpers/users";
import { htmx, WebClient } from "./e2e/web-client";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
});
afterAll(() => app.stop());

async function signedIn(overrides: Partial<ReturnType<typeof uniqueUser>> = {}) {
  const client = new WebClient(app);
  const user = { ...uniqueUser("sec"), ...overrides };
  await client.get("/register");
  const response = await client.post("/register", user);
  expect(response.status).toBe(303);
  await client.get("/dashboard");
  return { client, user };
}

describe("CSRF", () => {
  test("a form post without the token is refused with a friendly 403 page", async () => {
    const client = new WebClient(app);
    await client.get("/login");
    const response = await client.request("POST", "/login", { form: { username_or_email: "a", password: "b" } });
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.text).toContain("This form has expired");
  });

  test("a wrong token, or no CSRF cookie, is refused", async () => {
    const client = new WebClient(app);
    await client.get("/login");
    expect((await client.post("/login", { _csrf: "x".repeat(43), username_or_email: "a", password: "b" })).status).toBe(403);
    const token = client.csrfToken;
    client.cookies.delete("csrf");
    expect((await client.post("/login", { _csrf: token, username_or_email: "a", password: "b" })).status).toBe(403);
  });

  test("the token travels as a header for htmx", async () => {
    const client = new WebClient(app);
    await client.get("/login");
    const response = await client.request("POST", "/login", { form: { username_or_email: "", password: "" }, headers: { ...htmx, "x-csrf-token": client.csrfToken } });
    expect(response.headers.get("x-status")).toBe("422");
  });

  test("a valid token from another site's page is still refused by its Origin", async () => {
    const client = new WebClient(app);
    await client.get("/login");
    const response = await client.post("/login", { username_or_email: "a", password: "b" }, { origin: "https://evil.example", "sec-fetch-site": "cross-site" });
    expect(response.status).toBe(403);
    const allowed = await client.post("/login", { username_or_email: "", password: "" }, { origin: app.config.appUrl, "sec-fetch-site": "same-site" });
    expect(allowed.status).toBe(422);
  });

  test("a token handed out before sign-in does not work in the session", async () => {
    const client = new WebClient(app);
    await client.get("/register");
    const anonymousToken = client.csrfToken;
    const user = uniqueUser("bind");
    await client.post("/register", user);
    const response = await client.post("/logout-all", { _csrf: anonymousToken });
    expect(response.status).toBe(403);
    await client.get("/dashboard");
    expect((await client.post("/logout-all")).location).toBe("/login?notice=signed-out-everywhere");
  });

  test("the origin rule: same-origin fetch metadata or an allowed Origin; nothing at all is left to the token", () => {
    const config = { appUrl: "https://cobalt.example", corsOrigins: ["https://app.example"] };
    const check = (headers: Record<string, string>) => originAllowed(new Headers(headers), config);
    expect(check({ "sec-fetch-site": "same-origin" })).toBe(true);
    expect(check({ origin: "https://cobalt.example" })).toBe(true);
    expect(check({ origin: "https://app.example", "sec-fetch-site": "same-site" })).toBe(true);
    expect(check({})).toBe(true);
    expect(check({ origin: "https://evil.example" })).toBe(false);
    expect(check({ origin: "null" })).toBe(false);
    expect(check({ "sec-fetch-site": "cross-site" })).toBe(false);
  });
});

describe("next", () => {
  test("only local paths are accepted", () => {
    expect(safeNext("/admin/users?page=2#top")).toBe("/admin/users?page=2#top");
    expect(safeNext("/")).toBe("/");
    for (const bad of ["//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/", "javascript:alert(1)", "evil", "", "/\t/evil.example", "/%0a/x\n", undefined, 42]) {
      expect(safeNext(bad)).toBe("/dashboard");
    }
  });

  test("sign-in ignores a next that leaves the site", async () => {
    const { user } = await signedIn();
    const client = new WebClient(app);
    await client.get("/login");
    const response = await client.post("/login", { username_or_email: user.username, password: user.password, next: "//evil.example/steal" });
    expect(response.location).toBe("/dashboard");
  });
});

describe("escaping", () => {
  const payload = "<svg/onload=alert(1)>";

  test("HTML in a user's email is shown as text on the dashboard and in the admin panel", async () => {
    const { client: victim, user } = await signedIn({ email: `${payload}@example.com` });
    const dashboard = await victim.get("/dashboard");
    expect(dashboard.text).not.toContain(payload);
    expect(dashboard.text).toContain("&lt;svg/onload=alert(1)&gt;@example.com");

    const { client: admin, user: adminUser } = await signedIn();
    await app.deps.database.db.update(users).set({ role: "admin" }).where(eq(users.username, adminUser.username));
    const list = await admin.get(`/admin/users?search=${encodeURIComponent("svg/onload")}`);
    expect(list.status).toBe(200);
    expect(list.text).toContain(user.username);
    expect(list.text).not.toContain(payload);
    expect(list.text).toContain("&lt;svg/onload=alert(1)&gt;");
  });

  test("a search term with quotes and tags is echoed safely into the search box", async () => {
    const { client: admin, user } = await signedIn();
    await app.deps.database.db.update(users).set({ role: "admin" }).where(eq(users.username, user.username));
    const page = await admin.get(`/admin/users?search=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain("<script>alert(1)</script>");
    expect(page.text).toContain("&quot;&gt;&lt;script&gt;");
  });
});
