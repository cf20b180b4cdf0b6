/** Admin user management in a real browser: create and invite through the outbox to a first sign-in; bulk disable. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { me, RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { outbox, tokenFromLink } from "../helpers/mail";
import { type RegisteredUser, registerUser } from "../helpers/users";
import { hasChromium, launchBrowser, newPage, ProblemLog, screenshot } from "./support";

setDefaultTimeout(30_000);

describe.skipIf(!hasChromium)("an admin managing users in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let admin: RegisteredUser;
  const log = new ProblemLog();

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
    admin = await registerAdmin(app);
    ({ page } = await newPage(browser, log));
    page.on("dialog", (dialog) => void dialog.accept());
    await page.goto(`${app.url}/login?next=%2Fadmin%2Fusers`);
    await page.getByLabel("Username or email").fill(admin.username);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/admin\/users$/);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test("create a user; the invitation in the outbox leads to choosing a password and a first sign-in", async () => {
    await page.getByRole("link", { name: "New user" }).click();
    await page.waitForURL(/\/admin\/users\/new$/);
    await page.getByLabel("Username").fill("grace_h");
    await page.getByLabel("Email").fill("grace@example.com");
    await screenshot(page, "admin-new-user");
    await page.getByRole("button", { name: "Create and send invitation" }).click();
    await page.waitForURL(/\/admin\/users\/[0-9a-f-]{36}\?notice=invited$/);
    await page.getByText("An invitation to choose a password is on its way").waitFor();

    const message = (await outbox(app)).find((m) => m.to === "grace@example.com")!;
    const link = /https?:\/\/\S+\/invite\?token=\S+/.exec(message.text)![0].replace(app.config.appUrl, app.url);
    const invited = await browser.newContext();
    const guest = log.watch(await invited.newPage());
    await guest.goto(link);
    await guest.getByLabel("Password", { exact: true }).fill("grace's first password");
    await screenshot(guest, "invite");
    await guest.getByRole("button", { name: "Set password and sign in" }).click();
    await guest.waitForURL(/\/dashboard$/);
    await guest.getByText("grace_h").first().waitFor();
    await invited.close();
    expect(tokenFromLink(message.text, "/invite").length).toBeGreaterThan(20);
  });

  test("bulk disable: tick rows, confirm, see a result per row", async () => {
    const [a, b] = [await registerUser(app, { username: "bulk_a" }), await registerUser(app, { username: "bulk_b" })];
    await page.goto(`${app.url}/admin/users?search=bulk_`);
    await page.getByLabel("Select bulk_a").check();
    await page.getByLabel("Select bulk_b").check();
    await page.getByLabel("With the selected users").selectOption("disable");
    await page.getByRole("button", { name: "Apply to selected" }).click();
    await page.getByText("Disable 2 users?").waitFor();
    await screenshot(page, "admin-bulk-confirm");
    await page.getByRole("button", { name: "Disable these 2 users" }).click();
    await page.getByText("Disable: 2 of 2 done").waitFor();
    expect(await page.locator("tbody tr", { hasText: "Disabled" }).count()).toBe(2);
    await screenshot(page, "admin-bulk-results");
    expect((await me(app, a.accessToken)).status).toBe(401);
    expect((await me(app, b.accessToken)).status).toBe(401);
  });

  test("sign out everywhere from the user's page, confirmed by a dialog", async () => {
    const user = await registerUser(app, { username: "signed_in_a_lot" });
    await page.goto(`${app.url}/admin/users/${user.id}`);
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByText("Signed out everywhere. Every session of the user has ended.").waitFor();
    expect((await me(app, user.accessToken)).status).toBe(401);
  });

  test("the overview draws the 30-day charts on the server, with the right numbers and a table fallback", async () => {
    await page.goto(`${app.url}/admin`);
    expect(await page.locator("svg[role=img][data-series]").count()).toBe(3);
    const today = new Date(app.deps.clock.now()).toISOString().slice(0, 10);
    // Today: the admin, grace_h (invited), bulk_a, bulk_b and signed_in_a_lot.
    expect(await page.locator(`svg[data-series=signups] rect[data-date="${today}"]`).getAttribute("data-value")).toBe("5");
    await page.getByText("Show the numbers as a table").click();
    await page.getByRole("table", { name: "Activity per day" }).waitFor();
    await screenshot(page, "admin-overview-charts");
  });

  test("no page reported a console error or an exception", () => {
    expect(log.problems).toEqual([]);
  });
});
