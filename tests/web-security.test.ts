/** CSRF refusal, `next` validation and escaping of user text on the pages. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { sessions, users } from "../src/db/schema";
import { updateUserRows } from "./helpers/admin";
import { originAllowed } from "../src/http/origin";
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
    const { client } = await signedIn();
    const response = await client.request("POST", "/logout-all", { form: {} });
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.text).toContain("This form has expired");
    expect((await client.get("/dashboard")).status).toBe(200);
  });

  test("an expired sign-in, sign-up or recovery form is refused but shown again with what was typed (never the password)", async () => {
    const { user } = await signedIn();
    const forms: Array<{ path: string; form: Record<string, string>; kept: string }> = [
      { path: "/login", form: { username_or_email: user.username, password: user.password }, kept: user.username },
      { path: "/register", form: { username: "kept_name", email: "kept@example.com", password: "a secret phrase" }, kept: "kept@example.com" },
      { path: "/forgot-password", form: { email: "kept-too@example.com" }, kept: "kept-too@example.com" },
    ];
    for (const { path, form, kept } of forms) {
      const client = new WebClient(app);
      await client.get(path);
      const response = await client.post(path, { ...form, _csrf: "stale-token-from-another-session-000000000" });
      expect(response.status).toBe(403);
      expect(response.text).toContain("This form had expired, so nothing was sent");
      expect(response.text).toContain(`value="${kept}"`);
      expect(response.text).not.toContain(user.password);
      expect(response.text).not.toContain("a secret phrase");
      // Nothing happened: no session, and the fresh token on the page now works.
      expect(client.cookies.has("access_token")).toBe(false);
      expect(response.headers.get("x-csrf-token")).toBeTruthy();
    }
    expect((await app.json("GET", "/api/v1/admin/users?search=kept_name")).status).toBe(401);
  });

  test("an expired form is not a way around the Origin check", async () => {
    const client = new WebClient(app);
    await client.get("/login");
    const response = await client.post("/login", { _csrf: "stale", username_or_email: "someone" }, { origin: "https://evil.example" });
    expect(response.status).toBe(403);
    expect(response.text).toContain("This form has expired");
    expect(response.text).not.toContain('value="someone"');
  });

  test("every unsafe page route refuses a post without a token, signed in as an admin", async () => {
    const { client, user } = await signedIn();
    await updateUserRows(app, eq(users.username, user.username), { role: "admin" });
    const other = (await signedIn()).user;
    const [row] = await app.deps.database.db.select({ id: users.id }).from(users).where(eq(users.username, other.username));
    const id = row!.id;
    const session = crypto.randomUUID();
    const paths = [
      "/logout",
      "/logout-all",
      "/account/password",
      "/account/verification",
      `/account/sessions/${session}/end`,
      "/verify-email",
      "/reset-password",
      `/admin/users/${id}/role`,
      `/admin/users/${id}/disable`,
      `/admin/users/${id}/enable`,
      `/admin/users/${id}/delete`,
      `/admin/users/${id}/sessions/${session}/revoke`,
    ];
    for (const path of paths) {
      const response = await client.request("POST", path, { form: { role: "admin", token: "x" } });
      expect({ path, status: response.status }).toEqual({ path, status: 403 });
      expect(response.text).toContain("This form has expired");
    }
    // The admin actions did nothing.
    const [after] = await app.deps.database.db.select().from(users).where(eq(users.id, id));
    expect(after?.role).toBe("user");
    expect(after?.disabledAt).toBeNull();
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

  test("dot segments cannot collapse a local path into another host", () => {
    for (const bad of ["/..//evil.example", "/.//evil.example", "/a/..//evil.example", "/%2e%2e//evil.example", "/%2e//evil.example/x?y#z"]) {
      expect(safeNext(bad)).toBe("/dashboard");
    }
    expect(safeNext("/a/../admin")).toBe("/admin");
    expect(safeNext("/%2F%2Fevil.example")).toBe("/%2F%2Fevil.example");
  });

  test("sign-in and password recovery never redirect to a dot-segment trick", async () => {
    const { user } = await signedIn();
    const client = new WebClient(app);
    await client.get("/login");
    const response = await client.post("/login", { username_or_email: user.username, password: user.password, next: "/.//evil.example/steal" });
    expect(response.location).toBe("/dashboard");
    const signedInAlready = await client.get("/login?next=%2F..%2F%2Fevil.example");
    expect(signedInAlready.location).toBe("/dashboard");
    const forgot = await new WebClient(app).get("/forgot-password?next=%2F..%2F%2Fevil.example");
    expect(forgot.text).not.toContain("evil.example");
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
    // Sign-up now refuses <> in an address; one stored before that rule must still render as text.
    const { client: victim, user } = await signedIn();
    await updateUserRows(app, eq(users.username, user.username), { email: `${payload}@example.com` });
    const dashboard = await victim.get("/dashboard");
    expect(dashboard.text).not.toContain(payload);
    expect(dashboard.text).toContain("&lt;svg/onload=alert(1)&gt;@example.com");

    const { client: admin, user: adminUser } = await signedIn();
    await updateUserRows(app, eq(users.username, adminUser.username), { role: "admin" });
    const list = await admin.get(`/admin/users?search=${encodeURIComponent("svg/onload")}`);
    expect(list.status).toBe(200);
    expect(list.text).toContain(user.username);
    expect(list.text).not.toContain(payload);
    expect(list.text).toContain("&lt;svg/onload=alert(1)&gt;");
  });

  test("a search term with quotes and tags is echoed safely into the search box", async () => {
    const { client: admin, user } = await signedIn();
    await updateUserRows(app, eq(users.username, user.username), { role: "admin" });
    const page = await admin.get(`/admin/users?search=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain("<script>alert(1)</script>");
    expect(page.text).toContain("&quot;&gt;&lt;script&gt;");
  });
});

describe("ids and numbers from the URL", () => {
  async function adminClient() {
    const { client, user } = await signedIn();
    await updateUserRows(app, eq(users.username, user.username), { role: "admin" });
    return client;
  }

  test("a session id that is not an id cannot turn the confirmation into another action", async () => {
    const admin = await adminClient();
    const victim = (await signedIn()).user;
    const other = (await signedIn()).user;
    const [a] = await app.deps.database.db.select({ id: users.id }).from(users).where(eq(users.username, victim.username));
    const [b] = await app.deps.database.db.select({ id: users.id }).from(users).where(eq(users.username, other.username));
    // "End this session?" for the victim, whose form would have posted to /admin/users/<other>/delete.
    const trick = encodeURIComponent(`../../${b!.id}/delete#`);
    const page = await admin.get(`/admin/users/${a!.id}/confirm?action=revoke&session=${trick}`);
    expect(page.status).toBe(404);
    expect(page.text).not.toContain(`${b!.id}/delete`);
    const session = crypto.randomUUID();
    const fine = await admin.get(`/admin/users/${a!.id}/confirm?action=revoke&session=${session}`);
    expect(fine.text).toContain(`action="/admin/users/${a!.id}/sessions/${session}/revoke"`);
  });

  test("malformed ids and huge page numbers get a 404 or a page, never a 500", async () => {
    const admin = await adminClient();
    expect((await admin.post("/admin/users/not-a-uuid/sessions/zzz/revoke")).status).toBe(404);
    expect((await admin.post(`/admin/users/not-a-uuid/sessions/${crypto.randomUUID()}/revoke`)).status).toBe(404);
    for (const path of ["/admin/users?page=99999999999999999999", "/admin/users?page=1e300&per_page=100", "/admin/audit?page=99999999999999999999"]) {
      const response = await admin.get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
  });
});

describe("error pages", () => {
  test("an unexpected failure shows a friendly page and the request id, never the error or a stack", async () => {
    const { client, user } = await signedIn();
    await updateUserRows(app, eq(users.username, user.username), { role: "admin" });
    const secret = "SECRET_DETAIL relation users at /work/main/src/modules/admin/service.ts:42:7";
    const reader = app.deps.database.reader as unknown as { select: unknown };
    const original = reader.select;
    for (const headers of [undefined, htmx]) {
      // The audit log reads through the reader (the users list runs a prepared statement); the page's own sign-in check does not.
      reader.select = () => {
        throw new Error(secret);
      };
      let response: Awaited<ReturnType<WebClient["get"]>>;
      try {
        response = await client.get("/admin/audit", headers);
      } finally {
        reader.select = original;
      }
      expect(response.text).toContain("Something went wrong");
      expect(response.text).not.toContain("SECRET_DETAIL");
      expect(response.text).not.toContain(".ts:");
      expect(response.text).not.toMatch(/\bat [\w.<>]+ \(/);
      if (headers) expect(response.headers.get("x-status")).toBe("500");
      else {
        expect(response.status).toBe(500);
        expect(response.text).toMatch(/Request id [0-9a-f-]{36}/);
      }
    }
  });
});

describe("fragments and users", () => {
  test("htmx fragments are never stored by a cache, and vary on HX-Request", async () => {
    const { client } = await signedIn();
    for (const path of ["/dashboard", "/login"]) {
      const response = await client.get(path, htmx);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("vary")).toContain("HX-Request");
    }
  });

  test("one user cannot end another's session, and a fragment request signed out gets a redirect, not data", async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    const [row] = await app.deps.database.db.select({ id: users.id }).from(users).where(eq(users.username, alice.user.username));
    const aliceSessions = await app.deps.database.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, row!.id));
    expect(aliceSessions.length).toBeGreaterThan(0);
    for (const session of aliceSessions) {
      const response = await bob.client.post(`/account/sessions/${session.id}/end`, {}, htmx);
      expect(response.headers.get("x-status")).toBe("404");
      expect(response.text).not.toContain(alice.user.username);
    }
    expect((await alice.client.get("/dashboard")).status).toBe(200);

    const visitor = new WebClient(app);
    const fragment = await visitor.get("/admin/users?search=a", htmx);
    expect(fragment.headers.get("hx-redirect")).toBe("/login?next=%2Fadmin%2Fusers%3Fsearch%3Da");
    expect(fragment.text).toBe("");
    const notAdmin = await alice.client.get("/admin/users?search=a", htmx);
    expect(notAdmin.headers.get("x-status")).toBe("403");
    expect(notAdmin.text).not.toContain(bob.user.username);
  });
});

describe("cookies over https", () => {
  test("session and CSRF cookies are Secure, HttpOnly and SameSite=Lax", async () => {
    const secure = await startTestApp({ env: { ...RELAXED_LIMITS, APP_URL: "https://cobalt.example" } });
    try {
      const client = new WebClient(secure);
      await client.get("/register");
      const response = await client.request("POST", "/register", { form: { _csrf: client.csrfToken, ...uniqueUser("tls") } });
      expect(response.status).toBe(303);
      const lines = response.headers.getSetCookie();
      for (const name of ["access_token", "refresh_token"]) {
        const line = lines.find((cookie) => cookie.startsWith(`${name}=`));
        expect(line).toContain("Secure");
        expect(line).toContain("HttpOnly");
        expect(line).toContain("SameSite=Lax");
      }
      // The CSRF cookie is handed out with the first page.
      const first = await secure.fetch("/login", { headers: { accept: "text/html" } });
      const csrf = first.headers.getSetCookie().find((cookie) => cookie.startsWith("csrf="));
      expect(csrf).toContain("Secure");
      expect(csrf).toContain("HttpOnly");
    } finally {
      await secure.stop();
    }
  });
});
