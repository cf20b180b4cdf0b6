/**
 * Social sign-in in a real browser: "Continue with Google" through the OpenID Provider's own
 * sign-in and consent pages, or "Continue with GitHub" through the GitHub-shaped authorize page,
 * to the dashboard; sign out, sign in again, link the other provider, unlink it.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { START_TIMEOUT_MS } from "../helpers/auth";
import { type OAuthWorld, startOAuthWorld } from "../helpers/oauth";
import { hasChromium, htmxIdle, launchBrowser, newPage, ProblemLog, screenshot } from "./support";

setDefaultTimeout(60_000);

describe.skipIf(!hasChromium)("social sign-in in the browser", () => {
  let world: OAuthWorld;
  let browser: Browser;
  const log = new ProblemLog();

  beforeAll(async () => {
    [world, browser] = await Promise.all([startOAuthWorld(), launchBrowser()]);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
    const opened = await newPage(browser, log);
    // Test traffic stays on loopback (the provider's page imports a web font from the internet).
    await opened.context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    return opened;
  }

  /** Through the provider's own pages, whichever it shows (sign-in, consent, GitHub's authorize). */
  async function throughProvider(page: Page, login: string) {
    for (let step = 0; step < 3 && !page.url().startsWith(world.app.url); step++) {
      const signIn = page.getByRole("button", { name: "Sign-in" });
      const consent = page.getByRole("button", { name: "Continue" });
      const authorize = page.getByRole("button", { name: "Authorize" });
      await signIn.or(consent).or(authorize).first().waitFor();
      if (await signIn.isVisible()) {
        await page.locator('input[name="login"]').fill(login);
        await page.locator('input[name="password"]').fill("any password at all");
        await signIn.click();
      } else if (await authorize.isVisible()) {
        await page.getByLabel("Username or email address").fill(login);
        await page.getByLabel("Password").fill("any password at all");
        await authorize.click();
      } else {
        await consent.click();
      }
      await page.waitForLoadState();
    }
  }

  const journeys = [
    { first: "Google", second: "GitHub", login: "ada" },
    { first: "GitHub", second: "Google", login: "grace" },
  ] as const;

  for (const { first, second, login } of journeys) {
    test(`sign up with ${first}, sign out, sign in again, link ${second}, unlink it`, async () => {
      world.google.accounts.set(login, { email: `${login}@example.com`, email_verified: true, preferred_username: login });
      world.github.accounts.set(login, { id: login.length * 1000 + 7, login, emails: [{ email: `${login}@example.net`, primary: true, verified: true }] });
      const { context, page } = await freshPage();

      await page.goto(`${world.app.url}/login`);
      await page.getByRole("link", { name: `Continue with ${first}` }).click();
      await throughProvider(page, login);
      await page.waitForURL(`${world.app.url}/dashboard`);
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain(`Hello, ${login}`);
      await screenshot(page, `oauth-${first.toLowerCase()}-signed-up`);

      await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
      await page.waitForURL(/\/login/);
      await page.getByRole("link", { name: `Continue with ${first}` }).click();
      await throughProvider(page, login);
      await page.waitForURL(`${world.app.url}/dashboard`);
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain(`Hello, ${login}`);

      await page.getByRole("link", { name: `Link ${second}` }).click();
      await throughProvider(page, login);
      await page.waitForURL(/\/dashboard\?notice=linked/);
      const card = page.locator("#identities");
      await page.getByText("Linked. You can now sign in with that account too.").waitFor();
      await expect(card.getByRole("button", { name: `Unlink ${second}` }).count()).resolves.toBe(1);
      await screenshot(page, `oauth-${first.toLowerCase()}-linked`);

      await card.getByRole("button", { name: `Unlink ${second}` }).click();
      await htmxIdle(page);
      await page.locator("#identities").getByText("Unlinked.").waitFor();
      await expect(page.locator("#identities").getByRole("button", { name: `Unlink ${second}` }).count()).resolves.toBe(0);
      // The first provider is now the only way in: unlinking it is refused in place.
      await page.locator("#identities").getByRole("button", { name: `Unlink ${first}` }).click();
      await htmxIdle(page);
      await page.locator("#identities").getByText("only way to sign in").waitFor();
      await context.close();
      expect(log.problems.filter((problem) => problem.includes(world.app.url))).toEqual([]);
    });
  }
});
