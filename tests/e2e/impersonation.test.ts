/**
 * Impersonating a user in a real browser (docs/impersonation.md): a reason is required, every
 * page carries the banner, sensitive changes are refused, Stop gives the admin their own session
 * back, and so does the next page once the 30 minutes run out without Stop (the app's clock is
 * moved, never waited for).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ManualClock } from "../../src/clock";
import { registerAdmin } from "../helpers/admin";
import { me, RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { outbox } from "../helpers/mail";
import { type RegisteredUser, registerUser } from "../helpers/users";
import { hasChromium, launchBrowser, newPage, ProblemLog, screenshot, signInThroughForm } from "./support";

setDefaultTimeout(30_000);

const banner = (page: Page) => page.getByRole("region", { name: "Impersonation" });

describe.skipIf(!hasChromium)("impersonating a user in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: RegisteredUser;
  const clock = new ManualClock();
  const log = new ProblemLog();

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ clock, env: RELAXED_LIMITS }), launchBrowser()]);
    admin = await registerAdmin(app);
    ({ context, page } = await newPage(browser, log));
    await signInThroughForm(page, app.url, admin, "/admin");
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function startImpersonating(user: RegisteredUser, reason: string) {
    await page.goto(`${app.url}/admin/users/${user.id}`);
    await page.getByLabel("Reason").fill(reason);
    await page.getByRole("button", { name: `Impersonate ${user.username}` }).click();
    await page.waitForURL(/\/dashboard$/);
  }

  test("the reason is required: an empty or blank one starts nothing", async () => {
    const user = await registerUser(app, { username: "no_reason_given" });
    await page.goto(`${app.url}/admin/users/${user.id}`);
    await page.getByRole("button", { name: `Impersonate ${user.username}` }).click();
    expect(await page.getByLabel("Reason").evaluate((input: HTMLInputElement) => input.validity.valueMissing)).toBe(true);
    expect(new URL(page.url()).pathname).toBe(`/admin/users/${user.id}`);
    // Spaces pass the browser's minlength; the server must not take them for a reason.
    await page.getByLabel("Reason").fill("     ");
    await page.getByRole("button", { name: `Impersonate ${user.username}` }).click();
    await page.getByText("Nothing was started. Say why (3 to 500 characters)").waitFor();
    expect(new URL(page.url()).pathname).toBe(`/admin/users/${user.id}/impersonate`);
    await screenshot(page, "impersonation-blank-reason-refused");
    expect(await banner(page).count()).toBe(0);
    expect((await app.json<{ total: number }>("GET", "/api/v1/admin/audit?action=impersonation_started", undefined, { authorization: `Bearer ${admin.accessToken}` })).body.total).toBe(0);
  });

  test("every page shows the banner; the password is left to the user; Stop gives the admin their session back", async () => {
    const user = await registerUser(app, { username: "needs_help" });
    await startImpersonating(user, "Ticket 4711: cannot see invoices");
    await page.getByRole("heading", { name: "Hello, needs_help" }).waitFor();
    const text = `You are signed in as needs_help, impersonated by ${admin.username} (reason: Ticket 4711: cannot see invoices)`;
    await banner(page).getByText(text).waitFor();
    await screenshot(page, "impersonation-dashboard");
    for (const path of ["/", "/account/security", "/account/passkeys"]) {
      await page.goto(`${app.url}${path}`);
      await banner(page).getByText(text).waitFor();
    }
    // The admin pages are not the user's: an impersonated session is a user's session.
    const refused = await page.goto(`${app.url}/admin`);
    expect(refused?.status()).toBe(403);

    await page.goto(`${app.url}/dashboard`);
    // Not offered: the card says it is left to the user (a form posted anyway is refused:
    // tests/impersonation.test.ts).
    await page.getByText("Changing the password is something only the user can do").waitFor();
    expect(await page.getByLabel("Current password").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Change password" }).count()).toBe(0);
    await screenshot(page, "impersonation-password-held-back");
    // The user's password and session are theirs, untouched.
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password })).status).toBe(200);
    expect((await me(app, user.accessToken)).status).toBe(200);

    await banner(page).getByRole("button", { name: "Stop impersonating" }).click();
    await page.waitForURL((url) => url.pathname === `/admin/users/${user.id}`);
    await page.getByRole("button", { name: `Impersonate ${user.username}` }).waitFor();
    expect(await banner(page).count()).toBe(0);
    await page.goto(`${app.url}/dashboard`);
    await page.getByRole("heading", { name: `Hello, ${admin.username}` }).waitFor();
    expect((await context.cookies()).some((cookie) => cookie.name === "own_refresh_token")).toBe(false);
    await screenshot(page, "impersonation-stopped");
  });

  test("changing the email, tokens, deleting, signing out everywhere and ending sessions are not offered: left to the user", async () => {
    const user = await registerUser(app, { username: "keeps_email" });
    await startImpersonating(user, "Ticket 4714: sensitive changes");
    await page.getByText("Changing the email address is something only the user can do").waitFor();
    expect(await page.getByLabel("New email address").count()).toBe(0);
    await page.getByText("Making and revoking tokens is something only the user can do").waitFor();
    await page.getByText("signing out its sessions and deleting it are things only the user can do").waitFor();
    for (const name of ["Delete my account", "Sign out everywhere", "Download my data (JSON)", "End this session"]) {
      expect(await page.getByRole("button", { name }).count()).toBe(0);
      expect(await page.getByRole("link", { name }).count()).toBe(0);
    }
    await screenshot(page, "impersonation-held-back");
    expect((await me(app, user.accessToken)).status).toBe(200);
    expect((await app.json<{ email: string }>("GET", "/api/v1/auth/me", undefined, { authorization: `Bearer ${user.accessToken}` })).body.email).toBe(user.email);
    expect((await outbox(app)).some((message) => message.to === "taken.over@example.org")).toBe(false);
    await page.goto(`${app.url}/dashboard`);
    await banner(page).getByRole("button", { name: "Stop impersonating" }).click();
    await page.waitForURL((url) => url.pathname === `/admin/users/${user.id}`);
  });

  test("Sign out on an impersonated page is Stop: the admin lands on the user's page as themselves", async () => {
    const user = await registerUser(app, { username: "signs_out" });
    await startImpersonating(user, "Ticket 4715: sign out");
    await page.getByRole("button", { name: "Sign out" }).first().click();
    await page.waitForURL((url) => url.pathname === `/admin/users/${user.id}`);
    await page.getByRole("button", { name: `Impersonate ${user.username}` }).waitFor();
    expect(await banner(page).count()).toBe(0);
  });

  test("when the 30 minutes run out without Stop, the next page is the admin's own again", async () => {
    const user = await registerUser(app, { username: "left_open" });
    await startImpersonating(user, "Ticket 4712: left the tab open");
    await banner(page).waitFor();
    clock.advance(31 * 60 * 1000);
    await page.goto(`${app.url}/dashboard`);
    await page.getByRole("heading", { name: `Hello, ${admin.username}` }).waitFor();
    expect(await banner(page).count()).toBe(0);
    expect((await context.cookies()).map((cookie) => cookie.name)).not.toContain("own_refresh_token");
    await screenshot(page, "impersonation-expired");
    await page.goto(`${app.url}/admin/users/${user.id}`);
    await page.getByRole("button", { name: `Impersonate ${user.username}` }).waitFor();
  });

  test("also when the browser has already dropped the impersonation's expired cookies", async () => {
    const user = await registerUser(app, { username: "cookies_gone" });
    await startImpersonating(user, "Ticket 4716: cookies expire");
    await banner(page).waitFor();
    clock.advance(31 * 60 * 1000);
    // The browser's own clock did not move: drop what its Max-Age would have dropped by now.
    await context.clearCookies({ name: /^(access_token|refresh_token)$/ });
    await page.goto(`${app.url}/dashboard`);
    await page.getByRole("heading", { name: `Hello, ${admin.username}` }).waitFor();
    expect(await banner(page).count()).toBe(0);
  });

  test("Stop pressed on a page left open past the end also leads back to the admin's own session", async () => {
    const user = await registerUser(app, { username: "stale_banner" });
    await startImpersonating(user, "Ticket 4713: stale tab");
    await banner(page).waitFor();
    clock.advance(31 * 60 * 1000);
    await banner(page).getByRole("button", { name: "Stop impersonating" }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole("heading", { name: `Hello, ${admin.username}` }).waitFor();
    expect(await banner(page).count()).toBe(0);
    await screenshot(page, "impersonation-stop-after-expiry");
  });

  test("no page reported a console error or an exception (besides the refusals, on purpose)", () => {
    // A refused request is a real 4xx answer, which Chromium always logs: the admin pages (403),
    // the blank reason (422), and the sensitive changes refused on the dashboard (403).
    const expected = (problem: string) =>
      (problem.includes("status of 403") && (problem.endsWith("/admin") || problem.endsWith("/dashboard"))) || (problem.includes("status of 422") && problem.endsWith("/impersonate"));
    expect(log.problems.filter((problem) => !expected(problem))).toEqual([]);
  });
});
