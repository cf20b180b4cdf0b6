/** The pages without a browser: whole page vs fragment, static files, sessions in cookies. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RELAXED_LIMITS } from "./helpers/auth";
import { startTestApp, type TestApp } from "./helpers/app";
import { latestTokenFor } from "./helpers/mail";
import { uniqueUser } from "./helpers/users";
import { htmx, WebClient, signedUpClient } from "./e2e/web-client";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
});
afterAll(() => app.stop());

const signedUp = () => signedUpClient(app, "web");

describe("whole page or fragment", () => {
  test("a normal request gets the whole page with the layout", async () => {
    const page = await new WebClient(app).get("/login");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.text.startsWith("<!doctype html>")).toBe(true);
    expect(page.text).toContain('<meta name="htmx-config"');
    expect(page.text).toContain('id="login-form"');
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("vary")).toContain("HX-Request");
  });

  test("an htmx request gets only the fragment, built from the same component", async () => {
    const fragment = await new WebClient(app).get("/login", htmx);
    expect(fragment.status).toBe(200);
    expect(fragment.text.startsWith('<form id="login-form"')).toBe(true);
    expect(fragment.text).not.toContain("<html");
  });

  test("a boosted navigation and a history restore get the whole page", async () => {
    const boosted = await new WebClient(app).get("/login", { ...htmx, "hx-boosted": "true" });
    expect(boosted.text.startsWith("<!doctype html>")).toBe(true);
    const restore = await new WebClient(app).get("/login", { ...htmx, "hx-history-restore-request": "true" });
    expect(restore.text.startsWith("<!doctype html>")).toBe(true);
  });

  test("a form error comes back in place for htmx and as a whole page without it", async () => {
    const client = new WebClient(app);
    await client.get("/login");
    const viaHtmx = await client.post("/login", { username_or_email: "", password: "" }, htmx);
    // A problem fragment is content to swap: 200 on the wire, the real status in X-Status.
    expect(viaHtmx.status).toBe(200);
    expect(viaHtmx.headers.get("x-status")).toBe("422");
    expect(viaHtmx.text.startsWith('<form id="login-form"')).toBe(true);
    expect(viaHtmx.text).toContain('aria-invalid="true"');
    const plain = await client.post("/login", { username_or_email: "", password: "" });
    expect(plain.status).toBe(422);
    expect(plain.text.startsWith("<!doctype html>")).toBe(true);
  });

  test("a browser asking for a missing page gets a friendly 404; an API client gets JSON", async () => {
    const page = await new WebClient(app).get("/no-such-page");
    expect(page.status).toBe(404);
    expect(page.text).toContain("Page not found");
    const api = await app.fetch("/api/v1/no-such-route");
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toContain("application/json");
  });
});

describe("static files", () => {
  test("are served under content hashes with a year of immutable caching", async () => {
    const page = await new WebClient(app).get("/");
    const urls = [...page.text.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((match) => match[1]!);
    // Stylesheet, icon, htmx, app.js, and the passkey scripts (the vendored @simplewebauthn/browser and passkeys.js).
    expect(urls.length).toBe(6);
    for (const url of urls) {
      expect(url).toMatch(/^\/static\/[\w-]+\.[\w-]{12}\.(css|js|svg)$/);
      const response = await app.fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    const css = await (await app.fetch(urls.find((url) => url.endsWith(".css"))!)).text();
    expect(css).toContain("prefers-color-scheme:dark");
    expect((await app.fetch("/static/app.000000000000.css")).status).toBe(404);
  });
});

describe("browser sessions", () => {
  test("sign-up sets both tokens as HttpOnly, SameSite=Lax cookies and opens the dashboard", async () => {
    const client = new WebClient(app);
    const user = uniqueUser("cookie");
    await client.get("/register");
    const response = await client.request("POST", "/register", { form: { _csrf: client.csrfToken, ...user } });
    expect(response.location).toBe("/dashboard?notice=welcome");
    const setCookies = response.headers.getSetCookie();
    for (const name of ["access_token", "refresh_token"]) {
      const line = setCookies.find((cookie) => cookie.startsWith(`${name}=`));
      expect(line).toBeDefined();
      expect(line).toContain("HttpOnly");
      expect(line).toContain("SameSite=Lax");
      expect(line).toContain("Path=/");
    }
    const dashboard = await client.get("/dashboard");
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain(`Hello, ${user.username}`);
  });

  test("a missing access token is refreshed transparently from the refresh cookie", async () => {
    const { client, user } = await signedUp();
    const oldRefresh = client.cookies.get("refresh_token");
    client.cookies.delete("access_token");
    const dashboard = await client.get("/dashboard");
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain(user.username);
    expect(client.cookies.get("access_token")).toBeTruthy();
    expect(client.cookies.get("refresh_token")).not.toBe(oldRefresh);
  });

  test("a signed-out visitor is sent to sign in and comes back afterwards", async () => {
    const client = new WebClient(app);
    const page = await client.get("/dashboard?tab=1");
    expect(page.status).toBe(303);
    expect(page.location).toBe("/login?next=%2Fdashboard%3Ftab%3D1");
    const viaHtmx = await client.get("/dashboard", htmx);
    expect(viaHtmx.headers.get("hx-redirect")).toBe("/login?next=%2Fdashboard");
    const { user } = await signedUp();
    await client.get("/login?next=%2Fdashboard%3Ftab%3D1");
    const login = await client.post("/login", { username_or_email: user.username, password: user.password, next: "/dashboard?tab=1" });
    expect(login.location).toBe("/dashboard?tab=1");
  });

  test("wrong password: 401 with the message, the identifier kept, the password never echoed", async () => {
    const { user } = await signedUp();
    const client = new WebClient(app);
    await client.get("/login");
    const page = await client.post("/login", { username_or_email: user.username, password: "wrong-password-123" });
    expect(page.status).toBe(401);
    expect(page.text).toContain("Invalid username, email or password");
    expect(page.text).toContain(`value="${user.username}"`);
    expect(page.text).not.toContain("wrong-password-123");
  });

  test("sign out ends the session: the old refresh cookie no longer works", async () => {
    const { client } = await signedUp();
    const refreshToken = client.cookies.get("refresh_token")!;
    const out = await client.post("/logout");
    expect(out.location).toBe("/login?notice=signed-out");
    expect(client.cookies.has("access_token")).toBe(false);
    const reuse = await app.json("POST", "/api/v1/auth/refresh", { refresh_token: refreshToken });
    expect(reuse.status).toBe(401);
  });

  test("the reset-password page sends no referrer; opening a verify link does not consume it", async () => {
    const client = new WebClient(app);
    const reset = await client.get("/reset-password?token=abc");
    expect(reset.headers.get("referrer-policy")).toBe("no-referrer");
    const { user } = await signedUp();
    const token = await latestTokenFor(app, user.email, "/verify-email");
    for (let opened = 0; opened < 2; opened++) {
      const verify = await client.get(`/verify-email?token=${encodeURIComponent(token)}`);
      expect(verify.status).toBe(200);
      expect(verify.text).toContain('action="/verify-email"');
    }
    expect((await client.post("/verify-email", { token })).status).toBe(303);
    const bad = await client.post("/verify-email", { token: "abc" });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("invalid or has already been used");
  });
});

describe("next through password recovery", () => {
  const next = "/admin/users?page=2";
  const encoded = encodeURIComponent(next);

  test("sign-in → forgot → sent → back to sign-in carries next; a foreign next is dropped", async () => {
    const client = new WebClient(app);
    const login = await client.get(`/login?next=${encoded}`);
    expect(login.text).toContain(`href="/forgot-password?next=${encoded}"`);
    const forgot = await client.get(`/forgot-password?next=${encoded}`);
    expect(forgot.text).toContain(`name="next" value="${next.replace("&", "&amp;")}"`);
    expect(forgot.text).toContain(`href="/login?next=${encoded}"`);
    const sent = await client.post("/forgot-password", { email: "nobody@example.com", next });
    expect(sent.location).toBe(`/forgot-password?sent=1&next=${encoded}`);
    const sentPage = await client.get(sent.location!);
    expect(sentPage.text).toContain("a link to reset the password is on its way");
    expect(sentPage.text).toContain(`href="/login?next=${encoded}"`);

    const evil = await client.get("/forgot-password?next=%2F%2Fevil.example");
    expect(evil.text).not.toContain("evil.example");
    expect((await client.post("/forgot-password", { email: "nobody@example.com", next: "//evil.example" })).location).toBe("/forgot-password?sent=1");
  });

  test("a reset with next sends sign-in on to it", async () => {
    const { user } = await signedUp();
    const client = new WebClient(app);
    await client.get("/forgot-password");
    await client.post("/forgot-password", { email: user.email });
    const token = await latestTokenFor(app, user.email, "/reset-password");
    const reset = await client.get(`/reset-password?token=${encodeURIComponent(token)}&next=${encoded}`);
    expect(reset.text).toContain('name="next"');
    const done = await client.post("/reset-password", { token, password: `${user.password} again`, next });
    expect(done.location).toBe(`/login?notice=password-reset&next=${encoded}`);
    const login = await client.get(done.location!);
    expect(login.text).toContain("Your password has been reset");
    const signedIn = await client.post("/login", { username_or_email: user.username, password: `${user.password} again`, next });
    expect(signedIn.location).toBe(next);
  });
});

describe("show password", () => {
  test("password fields come with a hidden reveal button that app.js turns on; no inline script anywhere", async () => {
    for (const path of ["/login", "/register"]) {
      const page = await new WebClient(app).get(path);
      expect(page.text).toMatch(/<button type="button" hidden data-reveal="f-password" aria-controls="f-password"/);
      expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.text).not.toMatch(/\son[a-z]+=/);
    }
    const { client } = await signedUp();
    const dashboard = await client.get("/dashboard");
    expect(dashboard.text).toContain('data-reveal="pw-current_password"');
    expect(dashboard.text).toContain('data-reveal="pw-new_password"');
  });
});
