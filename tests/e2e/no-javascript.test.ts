/** With JavaScript off, the forms are plain posts: sign up, sign out, sign in, and a confirmed admin action. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { registerUser, uniqueUser } from "../helpers/users";
import { hasChromium, launchBrowser, newPage, ProblemLog, screenshot } from "./support";

setDefaultTimeout(30_000);

describe.skipIf(!hasChromium)("the pages without JavaScript", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const log = new ProblemLog();
  const user = uniqueUser("nojs");

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
    ({ page } = await newPage(browser, log, { javaScriptEnabled: false }));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function signIn(username: string, password: string) {
    await page.goto(`${app.url}/login`);
    await page.getByLabel("Username or email").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  test("sign up posts the form and redirects to the dashboard", async () => {
    await page.goto(`${app.url}/register`);
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard\?notice=welcome/);
    await page.getByRole("heading", { name: `Hello, ${user.username}` }).waitFor();
  });

  test("sign out works as a plain form", async () => {
    await page.getByRole("button", { name: "Sign out" }).first().click();
    await page.waitForURL(/\/login\?notice=signed-out/);
  });

  test("without JavaScript there is no show-password button that would do nothing", async () => {
    await page.goto(`${app.url}/login`);
    expect(await page.locator("button[data-reveal]").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Show password" }).isVisible()).toBe(false);
  });

  test("a wrong password re-renders the page with the error and the identifier kept", async () => {
    await signIn(user.username, "not the password");
    await page.getByText("Invalid username, email or password").waitFor();
    expect(await page.getByLabel("Username or email").inputValue()).toBe(user.username);
    expect(await page.getByLabel("Password").inputValue()).toBe("");
    await screenshot(page, "login-error-nojs");
  });

  test("sign in posts the form and redirects to the dashboard", async () => {
    await signIn(user.username, user.password);
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole("heading", { name: `Hello, ${user.username}` }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).first().click();
  });

  test("an admin's destructive action goes through a confirmation page", async () => {
    const admin = await registerAdmin(app);
    const target = await registerUser(app);
    await signIn(admin.username, admin.password);
    await page.waitForURL(/\/dashboard$/);
    await page.goto(`${app.url}/admin/users/${target.id}`);
    await page.getByRole("button", { name: "Disable account" }).click();
    await page.waitForURL(/\/confirm\?action=disable/);
    await page.getByRole("heading", { name: "Disable this account?" }).waitFor();
    await screenshot(page, "admin-confirm-nojs");
    await page.getByRole("button", { name: "Disable account" }).click();
    await page.waitForURL(/notice=disabled/);
    await page.getByText("Account disabled.").waitFor();
  });

  test("the users table sorts by its column headers, as plain links keeping the filters", async () => {
    await page.goto(`${app.url}/admin/users?role=user`);
    await page.getByRole("link", { name: "Email", exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get("sort") === "email" && url.searchParams.get("role") === "user");
    expect(await page.locator("th", { hasText: "Email" }).getAttribute("aria-sort")).toBe("ascending");
    await page.getByRole("link", { name: "Email", exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get("sort") === "-email" && url.searchParams.get("role") === "user");
    expect(await page.locator("th", { hasText: "Email" }).getAttribute("aria-sort")).toBe("descending");
    expect(await page.getByLabel("Sort").inputValue()).toBe("-email");
  });

  test("no page reported a console error (besides the 401 of the wrong password, on purpose)", () => {
    // Without htmx the wrong-password page is a real 401 document, which Chromium always logs.
    const expected = (problem: string) => problem.includes("status of 401") && problem.includes("/login");
    expect(log.problems.filter((problem) => !expected(problem))).toEqual([]);
    expect(log.problems.filter(expected).length).toBe(1);
  });
});
