/**
 * Pages that do not mislead or trap people: dead links say so at once, a form from a signed-out
 * tab says "you were signed out", the same password is not "changed", waits are said in words,
 * the sessions card follows a password change, and /favicon.ico is an icon, not a 404.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitInWords } from "../src/web/format";
import { RELAXED_LIMITS } from "./helpers/auth";
import { startTestApp, type TestApp } from "./helpers/app";
import { latestTokenFor } from "./helpers/mail";
import { htmx, WebClient, signedUpClient } from "./e2e/web-client";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { ...RELAXED_LIMITS, RATE_LIMIT_EMAIL: "1/3600", TRUST_PROXY: "1" } });
});
afterAll(() => app.stop());

/** The mail budget is one an hour per IP (what the wait test meets): every other mail comes from its own address. */
let ips = 0;
const fromNewIp = () => ({ "x-forwarded-for": `10.9.${(ips >> 8) & 255}.${++ips & 255}` });

const signedUp = () => signedUpClient(app, "dead");

describe("emailed links", () => {
  test("a reset link that was used shows why it cannot be used, and no password form", async () => {
    const { user } = await signedUp();
    const client = new WebClient(app);
    await client.get("/forgot-password");
    await client.post("/forgot-password", { email: user.email }, fromNewIp());
    const token = await latestTokenFor(app, user.email, "/reset-password");
    const live = await client.get(`/reset-password?token=${encodeURIComponent(token)}`);
    expect(live.status).toBe(200);
    expect(live.text).toContain('id="reset-form"');
    expect((await client.post("/reset-password", { token, password: `${user.password} renewed` })).status).toBe(303);
    const dead = await client.get(`/reset-password?token=${encodeURIComponent(token)}`);
    expect(dead.status).toBe(400);
    expect(dead.text).toContain("This link cannot be used");
    expect(dead.text).not.toContain('id="reset-form"');
    expect(dead.text).not.toContain('type="password"');
  });

  test("a used or made-up verification link shows no Verify button", async () => {
    const { user } = await signedUp();
    const client = new WebClient(app);
    const token = await latestTokenFor(app, user.email, "/verify-email");
    await client.get(`/verify-email?token=${encodeURIComponent(token)}`);
    expect((await client.post("/verify-email", { token })).status).toBe(303);
    for (const link of [token, "made-up-token"]) {
      const page = await client.get(`/verify-email?token=${encodeURIComponent(link)}`);
      expect(page.status).toBe(400);
      expect(page.text).toContain("This link cannot be used");
      expect(page.text).not.toContain('action="/verify-email"');
    }
  });

  test("a reset to the password the account already has is refused next to the field", async () => {
    const { user } = await signedUp();
    const client = new WebClient(app);
    await client.get("/forgot-password");
    await client.post("/forgot-password", { email: user.email }, fromNewIp());
    const token = await latestTokenFor(app, user.email, "/reset-password");
    const same = await client.post("/reset-password", { token, password: user.password });
    expect(same.status).toBe(422);
    expect(same.text).toContain("Choose a password different from the current one");
    // The link is still good for a real change.
    expect((await client.post("/reset-password", { token, password: `${user.password} renewed` })).status).toBe(303);
  });
});

describe("changing the password", () => {
  test("the same password again is refused, on the page and the API", async () => {
    const { client, user } = await signedUp();
    const page = await client.post("/account/password", { current_password: user.password, new_password: user.password });
    expect(page.status).toBe(422);
    expect(page.text).toContain("Choose a password different from the current one");
    const login = await app.json<{ access_token: string }>("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password });
    const api = await app.json<{ code: string; details: { fields: Record<string, string> } }>(
      "POST",
      "/api/v1/auth/change-password",
      { current_password: user.password, new_password: user.password },
      { authorization: `Bearer ${login.body.access_token}` },
    );
    expect(api.status).toBe(422);
    expect(api.body.details.fields.new_password).toBe("Choose a password different from the current one");
  });

  test("after a change through htmx, the sessions card is replaced too and lists only this device", async () => {
    const { client, user } = await signedUp();
    // A second device.
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password })).status).toBe(200);
    const before = await client.get("/dashboard");
    expect(before.text.match(/End this session/g)?.length).toBe(1);
    const changed = await client.post("/account/password", { current_password: user.password, new_password: `${user.password} v2` }, htmx);
    expect(changed.status).toBe(200);
    expect(changed.text).toContain('id="password-form"');
    expect(changed.text).toMatch(/<div id="sessions" hx-swap-oob="true">/);
    expect(changed.text).toContain("This device");
    expect(changed.text).not.toContain("End this session");
  });

  test("each 'End this session' button names the session it ends", async () => {
    const { client, user } = await signedUp();
    for (const agent of ["Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0", "Mozilla/5.0 (Macintosh; Mac OS X 14) Safari/605.1"]) {
      await app.json("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password }, { "user-agent": agent });
    }
    const page = await client.get("/dashboard");
    expect(page.text).toContain("End this session<span class=\"sr-only\"> (Firefox on Linux,");
    expect(page.text).toContain("End this session<span class=\"sr-only\"> (Safari on macOS,");
  });
});

describe("a tab left open after signing out elsewhere", () => {
  test("its form is answered with sign-in and 'you were signed out', not 'another site'", async () => {
    const { client, user } = await signedUp();
    const other = new WebClient(app);
    other.cookies.set("refresh_token", client.cookies.get("refresh_token")!);
    other.cookies.set("access_token", client.cookies.get("access_token")!);
    other.cookies.set("csrf", client.cookies.get("csrf")!);
    other.csrfToken = client.csrfToken;
    expect((await other.post("/logout-all")).status).toBe(303);

    const form = await client.post("/account/password", { current_password: user.password, new_password: `${user.password} x` }, { referer: `${app.url}/dashboard` });
    expect(form.status).toBe(303);
    expect(form.location).toBe("/login?next=%2Fdashboard&notice=session-ended");
    const login = await client.get(form.location!);
    expect(login.text).toContain("You were signed out");
    expect(login.text).not.toContain("another site");

    const viaHtmx = await client.post("/account/password", { current_password: user.password, new_password: `${user.password} x` }, htmx);
    expect(viaHtmx.headers.get("hx-redirect")).toBe("/login?next=%2Fdashboard&notice=session-ended");
  });
});

describe("waits in words", () => {
  test("seconds become what a person would say", () => {
    expect(waitInWords(3)).toBe("a few seconds");
    expect(waitInWords(42)).toBe("45 seconds");
    expect(waitInWords(70)).toBe("about a minute");
    expect(waitInWords(900)).toBe("about 15 minutes");
    expect(waitInWords(3600)).toBe("about an hour");
    expect(waitInWords(3412)).toBe("about an hour");
    expect(waitInWords(7200)).toBe("about 2 hours");
  });

  test("a spent mail budget says 'about an hour' on the page", async () => {
    const client = new WebClient(app);
    await client.get("/forgot-password");
    const ip = fromNewIp();
    expect((await client.post("/forgot-password", { email: "someone@example.com" }, ip)).status).toBe(303);
    const refused = await client.post("/forgot-password", { email: "someone@example.com" }, ip);
    expect(refused.status).toBe(429);
    expect(refused.text).toContain("Please wait about an hour and try again.");
  });
});

describe("/favicon.ico", () => {
  test("answers the site's icon", async () => {
    const response = await app.fetch("/favicon.ico");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("image/svg+xml");
    expect(await response.text()).toContain("<svg");
  });
});
