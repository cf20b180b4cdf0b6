/**
 * Refusals a person meets in the browser: an admin demoted while its page is open is refused on
 * its very next admin request, and a rate-limited sign-in shows the "slow down" message.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { bearer, type RegisteredUser, registerUser } from "../helpers/users";
import { hasChromium, launchBrowser, newPage, ProblemLog } from "./support";

setDefaultTimeout(30_000);

async function signIn(page: Page, app: TestApp, user: { username: string; password: string }, next = "/dashboard") {
  await page.goto(`${app.url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Username or email").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => url.pathname === next);
}

/** The browser logs every 4xx document as "Failed to load resource"; those are the point of these tests. */
const unexpected = (problems: string[], status: number) => problems.filter((problem) => !problem.includes(`status of ${status}`));

describe.skipIf(!hasChromium)("a demoted admin in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  let first: RegisteredUser;
  let second: RegisteredUser;
  const log = new ProblemLog();
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
    first = await registerAdmin(app);
    second = await registerAdmin(app);
    await registerAdmin(app); // a third, so the last-admin rule never blocks a demotion
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await app?.stop();
  });

  async function adminPage(user: RegisteredUser, next: string): Promise<Page> {
    const { context, page } = await newPage(browser, log);
    contexts.push(context);
    await signIn(page, app, user, next);
    return page;
  }

  test("demoted through the UI while on the users table: the next live search and the next navigation are refused", async () => {
    const victim = await adminPage(first, "/admin/users");
    const actor = await adminPage(second, `/admin/users/${first.id}`);
    actor.on("dialog", (dialog) => void dialog.accept());
    await actor.getByRole("button", { name: "Remove admin rights" }).click();
    await actor.getByText("Role updated.").waitFor();

    // The page still open in the demoted admin's browser: a live search is an htmx request.
    const rowsBefore = await victim.locator("#users-results tbody tr").count();
    await victim.getByLabel("Search").fill("anything");
    await victim.getByLabel("Search").press("Enter");
    await victim.locator("#flash").getByText("Access denied").waitFor();
    expect(await victim.locator("#flash").textContent()).toContain("Administrator access required");
    // Nothing from the refused request replaced the table.
    expect(await victim.locator("#users-results tbody tr").count()).toBe(rowsBefore);

    // The next navigation (a boosted link) gets the 403 page.
    await victim.getByRole("link", { name: "Audit log" }).click();
    await victim.getByRole("heading", { name: "Access denied" }).waitFor();
    expect(await victim.getByText("Error 403").count()).toBe(1);
    // The header no longer offers the admin panel.
    expect(await victim.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).count()).toBe(0);

    // A full load of any admin page says the same, with the real status.
    const response = await victim.goto(`${app.url}/admin`);
    expect(response?.status()).toBe(403);
    await victim.getByRole("heading", { name: "Access denied" }).waitFor();
    // Still signed in as a user: the dashboard works.
    expect((await victim.goto(`${app.url}/dashboard`))?.status()).toBe(200);
  });

  test("demoted through the API while on a user's page: the next admin action is refused and changes nothing", async () => {
    const target = await registerUser(app);
    const victim = await adminPage(second, `/admin/users/${target.id}`);
    victim.on("dialog", (dialog) => void dialog.accept());
    const third = await registerAdmin(app);
    const demoted = await app.json("PATCH", `/api/v1/admin/users/${second.id}/role`, { role: "user" }, bearer(third.accessToken));
    expect(demoted.status).toBe(200);

    await victim.getByRole("button", { name: "Disable account" }).click();
    await victim.locator("#flash").getByText("Access denied").waitFor();
    const user = await app.json<{ status: string }>("GET", `/api/v1/admin/users/${target.id}`, undefined, bearer(third.accessToken));
    expect(user.body.status).toBe("active");

    await victim.reload();
    await victim.getByRole("heading", { name: "Access denied" }).waitFor();
  });

  test("nothing else went wrong on the way", () => {
    expect(unexpected(log.problems, 403)).toEqual([]);
  });
});

describe.skipIf(!hasChromium)("a rate-limited sign-in in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  const log = new ProblemLog();

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: { ...RELAXED_LIMITS, RATE_LIMIT_LOGIN: "2/60" } }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function tryWrongPassword(page: Page) {
    await page.getByLabel("Username or email").fill("nobody_here");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  test("with JavaScript: the third attempt shows the slow-down message in the page", async () => {
    const { context, page } = await newPage(browser, log);
    await page.goto(`${app.url}/login`);
    for (let attempt = 0; attempt < 2; attempt++) {
      await tryWrongPassword(page);
      await page.getByText("Invalid username, email or password").waitFor();
      // Wait for the form to come back before the next try (it disables its button while in flight).
      await page.getByRole("button", { name: "Sign in", exact: true }).and(page.locator(":enabled")).waitFor();
    }
    await tryWrongPassword(page);
    const message = page.getByRole("alert").filter({ hasText: "Too many attempts" });
    await message.waitFor();
    expect(await message.textContent()).toMatch(/Please wait (a few seconds|\d+ seconds|about (a|an|\d+) (minutes?|hours?))\b/);
    await context.close();
  });

  test("without JavaScript: the 429 page", async () => {
    // A fresh limiter window is not needed: the same IP is still over its budget.
    const { context, page } = await newPage(browser, log, { javaScriptEnabled: false });
    await page.goto(`${app.url}/login`);
    const responses: number[] = [];
    page.on("response", (response) => {
      if (response.request().method() === "POST") responses.push(response.status());
    });
    await tryWrongPassword(page);
    await page.getByRole("heading", { name: "Slow down" }).waitFor();
    expect(responses).toEqual([429]);
    expect(await page.getByText("Error 429").count()).toBe(1);
    expect(await page.getByText(/Please wait (a few seconds|\d+ seconds|about (a|an|\d+) (minutes?|hours?))\b/).count()).toBe(1);
    await context.close();
  });

  test("nothing else went wrong on the way", () => {
    expect(unexpected(log.problems, 429)).toEqual([]);
  });
});
