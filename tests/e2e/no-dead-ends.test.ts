/**
 * In a real browser with JavaScript: the link inside the sign-in form is an ordinary
 * navigation (one page, one <main>), focus lands on the answer after a server-side error, an
 * old "slow down" message does not stay beside a later answer, and "Resend" counts down.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser } from "playwright-core";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { uniqueUser } from "../helpers/users";
import { hasChromium, htmxIdle, launchBrowser, newPage, ProblemLog } from "./support";

setDefaultTimeout(30_000);

describe.skipIf(!hasChromium)("pages without dead ends, in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  const log = new ProblemLog();

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test("'Forgot your password?' inside the sign-in form opens the forgot page, not a page inside the card", async () => {
    const { context, page } = await newPage(browser, log);
    await page.goto(`${app.url}/login`);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL((url) => url.pathname === "/forgot-password");
    await htmxIdle(page);
    expect(await page.locator("main").count()).toBe(1);
    expect(await page.locator("header").count()).toBe(1);
    expect(await page.locator("#login-form").count()).toBe(0);
    expect(await page.locator("#forgot-form").count()).toBe(1);
    await context.close();
  });

  test("after a wrong password the keyboard is on the message, not on <body>", async () => {
    const { context, page } = await newPage(browser, log);
    await page.goto(`${app.url}/login`);
    await page.getByLabel("Username or email").fill("nobody_here");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByText("Invalid username, email or password").waitFor();
    await htmxIdle(page);
    await page.waitForFunction(() => document.activeElement !== document.body);
    const focused = await page.evaluate(() => ({ role: document.activeElement?.getAttribute("role"), text: document.activeElement?.textContent ?? "" }));
    expect(focused.role).toBe("alert");
    expect(focused.text).toContain("Invalid username, email or password");
    await context.close();
  });

  test("after an empty field the keyboard is on that field", async () => {
    const { context, page } = await newPage(browser, log);
    await page.goto(`${app.url}/register`);
    await page.getByLabel("Username").fill("ok_name");
    await page.getByLabel("Email").fill("someone@example.com");
    await page.getByLabel("Password", { exact: true }).fill("password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor();
    await htmxIdle(page);
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-invalid") === "true");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("password");
    await context.close();
  });

  test("Resend counts down after a mail went out, then can be pressed again", async () => {
    const { context, page } = await newPage(browser, log);
    const user = uniqueUser("resend");
    await page.goto(`${app.url}/register`);
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password", { exact: true }).fill(user.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
    await page.getByRole("button", { name: /Resend email/ }).click();
    await page.getByText(/verification (email|message|link)/i).first().waitFor();
    const resend = page.getByRole("button", { name: /Resend email/ });
    await page.waitForFunction(() => /\(\d+ s\)/.test(document.querySelector("#verification-banner button")?.textContent ?? ""));
    expect(await resend.isDisabled()).toBe(true);
    expect(await resend.textContent()).toMatch(/Resend email \((5\d|60) s\)/);
    await context.close();
  });

  test("nothing else went wrong on the way", () => {
    expect(log.problems).toEqual([]);
  });
});
