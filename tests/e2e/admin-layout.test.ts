/** The admin pages at tablet and phone widths: the table fits, the filters leave room, the header is one row. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { type RegisteredUser, registerUser } from "../helpers/users";
import { hasChromium, launchBrowser, newPage, ProblemLog, screenshot } from "./support";

setDefaultTimeout(30_000);

describe.skipIf(!hasChromium)("admin pages on small screens", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let admin: RegisteredUser;
  const log = new ProblemLog();

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
    admin = await registerAdmin(app);
    // Values with no break opportunity: before the fix they pushed the columns off-screen.
    await registerUser(app, { username: `long${"x".repeat(46)}`, email: `${"averyveryverylongmailbox".repeat(2)}@example-with-a-long-domain.com` });
    const gone = await registerUser(app, { username: "deleted_person", email: "deleted@example.com" });
    ({ page } = await newPage(browser, log));
    await page.goto(`${app.url}/login?next=%2Fadmin`);
    await page.getByLabel("Username or email").fill(admin.username);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/admin$/);
    await page.request.fetch(`${app.url}/api/v1/admin/users/${gone.id}`, { method: "DELETE", headers: { authorization: `Bearer ${admin.accessToken}` } });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const tableOverflow = () =>
    page.evaluate(() => {
      const scroller = document.querySelector("#users-results table")!.parentElement!;
      return scroller.scrollWidth - scroller.clientWidth;
    });

  test("at tablet width long values wrap or are cut, and every column stays on screen", async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(`${app.url}/admin/users`);
    expect(await tableOverflow()).toBeLessThanOrEqual(0);
    await screenshot(page, "admin-users-tablet");
  });

  for (const width of [320, 390]) {
    test(`at ${width}px the signed-in header is one row`, async () => {
      await page.setViewportSize({ width, height: 844 });
      await page.goto(`${app.url}/admin/users`);
      const header = await page.locator("header").boundingBox();
      const signOut = await page.getByRole("button", { name: "Sign out" }).boundingBox();
      expect(header!.height).toBeLessThan(70);
      expect(signOut!.y + signOut!.height).toBeLessThanOrEqual(header!.y + header!.height);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    });
  }

  test("on a phone the first user is on screen below the filters", async () => {
    // A small phone (iPhone SE): before, the filters alone took the whole first screen.
    await page.setViewportSize({ width: 375, height: 667 });
    await page.goto(`${app.url}/admin/users`);
    const firstRow = await page.locator("#users-results tbody tr").first().boundingBox();
    expect(firstRow!.y + firstRow!.height).toBeLessThan(667);
    await screenshot(page, "admin-users-phone-filters");
  });

  test("the audit log names a deleted account without a link to a missing page", async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${app.url}/admin/audit?user=deleted_person`);
    const row = page.locator("#audit-results tbody tr", { hasText: "deleted deleted_person" });
    await row.first().waitFor();
    expect(await row.first().locator("a", { hasText: "deleted_person" }).count()).toBe(0);
    await screenshot(page, "admin-audit-deleted");
  });

  test("no page reported a console error or an exception", () => {
    expect(log.problems).toEqual([]);
  });
});
