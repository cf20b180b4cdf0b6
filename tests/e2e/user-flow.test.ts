/** A user's whole journey in a real browser: sign up, verify, dashboard, password, sessions, sign out, sign in. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { latestTokenFor } from "../helpers/mail";
import { uniqueUser } from "../helpers/users";
import { documentMarked, hasChromium, launchBrowser, markDocument, newPage, ProblemLog, screenshot } from "./support";

setDefaultTimeout(30_000);

describe.skipIf(!hasChromium)("a user in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const log = new ProblemLog();
  const user = uniqueUser("e2e");
  const newPassword = `${user.password} renewed`;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
    ({ page } = await newPage(browser, log));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function signIn(target: Page, password: string) {
    await target.goto(`${app.url}/login`);
    await target.getByLabel("Username or email").fill(user.username);
    await target.getByLabel("Password").fill(password);
    await target.getByRole("button", { name: "Sign in", exact: true }).click();
    await target.waitForURL(/\/dashboard/);
  }

  test("the home page and sign-up page render cleanly", async () => {
    await page.goto(app.url);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("Sign-in your users can trust");
    await screenshot(page, "home");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/register$/);
    await screenshot(page, "register");
  });

  test("a form error appears next to its field, in place", async () => {
    await markDocument(page);
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill("password1");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("This password is too common").waitFor();
    expect(await page.getByLabel("Password").inputValue()).toBe("");
    expect(await page.getByLabel("Email").inputValue()).toBe(user.email);
    expect(await documentMarked(page)).toBe(true);
    await screenshot(page, "register-errors");
  });

  test("sign up lands on the dashboard with the verification banner", async () => {
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard/);
    await page.getByText("Verify your email address.", { exact: true }).waitFor();
    await page.getByRole("heading", { name: `Hello, ${user.username}` }).waitFor();
    await screenshot(page, "dashboard");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForTimeout(300); // let the colour transitions finish
    await screenshot(page, "dashboard-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  test("the emailed link verifies the address after pressing the button", async () => {
    const token = await latestTokenFor(app, user.email, "/verify-email");
    await page.goto(`${app.url}/verify-email?token=${encodeURIComponent(token)}`);
    await screenshot(page, "verify-email");
    await page.getByRole("button", { name: "Verify email address" }).click();
    await page.waitForURL(/notice=verified/);
    await page.getByText("your email address is verified").waitFor();
    expect(await page.getByText("Verify your email address.", { exact: true }).count()).toBe(0);
  });

  test("another session can be ended from the dashboard without a reload", async () => {
    const other = await newPage(browser, log);
    await signIn(other.page, user.password);
    await page.goto(`${app.url}/dashboard`);
    const endButtons = page.getByRole("button", { name: "End this session" });
    expect(await endButtons.count()).toBe(1);
    await markDocument(page);
    await endButtons.click();
    await page.getByText("Session ended.").waitFor();
    expect(await endButtons.count()).toBe(0);
    expect(await documentMarked(page)).toBe(true);
    // The other browser is signed out at once.
    await other.page.goto(`${app.url}/dashboard`);
    await other.page.waitForURL(/\/login\?next=/);
    await other.context.close();
  });

  test("changing the password shows the result in place", async () => {
    await page.getByLabel("Current password").fill(user.password);
    await page.getByLabel("New password").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Password changed.").waitFor();
    expect(await page.getByLabel("New password").inputValue()).toBe("");
  });

  test("sign out, then sign in with the new password", async () => {
    await page.getByRole("button", { name: "Sign out" }).first().click();
    await page.waitForURL(/\/login\?notice=signed-out/);
    await page.getByText("You have been signed out.").waitFor();
    await screenshot(page, "login");
    await signIn(page, newPassword);
    await page.getByRole("heading", { name: `Hello, ${user.username}` }).waitFor();
  });

  test("sign out everywhere asks first, then ends the session", async () => {
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.waitForURL(/notice=signed-out-everywhere/);
    await page.goto(`${app.url}/dashboard`);
    await page.waitForURL(/\/login\?next=/);
  });

  test("the forgot-password page answers the same for any address", async () => {
    await page.goto(`${app.url}/forgot-password`);
    await page.getByLabel("Email").fill("nobody@example.com");
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page.getByText("If an account uses that address").waitFor();
    await screenshot(page, "forgot-password");
  });

  test("show password reveals and hides the field, also after htmx swapped the form back", async () => {
    const { context, page: other } = await newPage(browser, log);
    await other.goto(`${app.url}/login`);
    const password = other.getByLabel("Password", { exact: true });
    const toggle = other.getByRole("button", { name: "Show password" });
    await password.fill("secret words");
    await toggle.click();
    expect(await password.getAttribute("type")).toBe("text");
    await other.getByRole("button", { name: "Hide password" }).click();
    expect(await password.getAttribute("type")).toBe("password");
    expect(await password.inputValue()).toBe("secret words");
    // A failed sign-in comes back as a new form from htmx: its button works too, and a shown
    // password was turned back into a password field before the form was sent.
    await other.getByLabel("Username or email").fill("nobody_at_all");
    await toggle.click();
    await other.getByRole("button", { name: "Sign in", exact: true }).click();
    await other.getByText("Invalid username, email or password").waitFor();
    expect(await password.getAttribute("type")).toBe("password");
    await other.getByRole("button", { name: "Show password" }).click();
    expect(await password.getAttribute("type")).toBe("text");
    await context.close();
  });

  test("no page reported a console error or an exception", () => {
    expect(log.problems).toEqual([]);
  });
});
