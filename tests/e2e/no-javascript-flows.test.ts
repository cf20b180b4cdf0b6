/**
 * The new flows that need no JavaScript, in a Chromium with JavaScript off (plain forms and
 * redirects): create and invite to a first sign-in, bulk disable with a result per row (one
 * refused), impersonate and stop, change email, delete account, the CSV and my-data downloads.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { me, RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { outbox, tokenFromLink } from "../helpers/mail";
import { type RegisteredUser, registerUser } from "../helpers/users";
import { download, hasChromium, launchBrowser, newPage, ProblemLog, screenshot, signInThroughForm } from "./support";

setDefaultTimeout(30_000);

describe.skipIf(!hasChromium)("the new flows without JavaScript", () => {
  let app: TestApp;
  let browser: Browser;
  let adminPage: Page;
  let admin: RegisteredUser;
  const log = new ProblemLog();
  const noScript = { javaScriptEnabled: false };

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
    admin = await registerAdmin(app);
    ({ page: adminPage } = await newPage(browser, log, noScript));
    await signInThroughForm(adminPage, app.url, admin, "/admin/users");
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  /** A fresh browser without JavaScript, signed in as the user. */
  async function userPage(user: RegisteredUser): Promise<Page> {
    const { page } = await newPage(browser, log, noScript);
    await signInThroughForm(page, app.url, user);
    return page;
  }

  test("create and invite: the link in the outbox sets a password, signs in and verifies the address", async () => {
    await adminPage.goto(`${app.url}/admin/users/new`);
    await adminPage.getByLabel("Username").fill("invited_nojs");
    await adminPage.getByLabel("Email").fill("invited.nojs@example.com");
    await adminPage.getByRole("button", { name: "Create and send invitation" }).click();
    await adminPage.waitForURL(/\/admin\/users\/[0-9a-f-]{36}\?notice=invited$/);
    await adminPage.getByText("An invitation to choose a password is on its way").waitFor();

    const message = (await outbox(app)).find((m) => m.to === "invited.nojs@example.com");
    const { page: guest } = await newPage(browser, log, noScript);
    await guest.goto(`${app.url}/invite?token=${encodeURIComponent(tokenFromLink(message!.text, "/invite"))}`);
    await guest.getByLabel("Password", { exact: true }).fill("invited without scripts");
    await guest.getByRole("button", { name: "Set password and sign in" }).click();
    await guest.waitForURL(/\/dashboard$/);
    await guest.getByRole("heading", { name: "Hello, invited_nojs" }).waitFor();
    await guest.locator("#profile").getByText("Verified", { exact: true }).waitFor();
    await screenshot(guest, "nojs-invite-first-sign-in");
    await guest.context().close();
  });

  test("bulk disable: a confirmation page, then a result per row, the admin's own row refused", async () => {
    const a = await registerUser(app, { username: "nojs_bulk_a" });
    const b = await registerUser(app, { username: "nojs_bulk_b" });
    await adminPage.goto(`${app.url}/admin/users?search=nojs_bulk_`);
    await adminPage.getByLabel("Select nojs_bulk_a").check();
    await adminPage.getByLabel("Select nojs_bulk_b").check();
    expect(await adminPage.getByLabel("With the selected users").inputValue()).toBe("disable");
    await adminPage.getByRole("button", { name: "Apply to selected" }).click();
    await adminPage.getByText("Disable 2 users?").waitFor();
    await adminPage.getByRole("button", { name: "Disable these 2 users" }).click();
    await adminPage.getByText("Disable: 2 of 2 done").waitFor();

    // Now with the admin's own account among them: its row says why, the others are done.
    const c = await registerUser(app, { username: "nojs_bulk_c" });
    await adminPage.goto(`${app.url}/admin/users`);
    await adminPage.getByLabel("Select nojs_bulk_c").check();
    await adminPage.getByLabel(`Select ${admin.username}`).check();
    await adminPage.getByRole("button", { name: "Apply to selected" }).click();
    await adminPage.getByText("Disable 2 users?").waitFor();
    await screenshot(adminPage, "nojs-bulk-confirm");
    await adminPage.getByRole("button", { name: "Disable these 2 users" }).click();
    await adminPage.getByText("Disable: 1 of 2 done").waitFor();
    const results = adminPage.getByRole("table", { name: "Results" });
    await results.locator("tr", { hasText: "nojs_bulk_c" }).getByText("Disabled").waitFor();
    await results.locator("tr", { hasText: admin.username }).getByText("Refused: that is your own account").waitFor();
    await screenshot(adminPage, "nojs-bulk-results");
    for (const user of [a, b, c]) expect((await me(app, user.accessToken)).status).toBe(401);
    expect((await me(app, admin.accessToken)).status).toBe(200);
  });

  test("impersonate and stop are plain forms", async () => {
    const user = await registerUser(app, { username: "nojs_imp" });
    await adminPage.goto(`${app.url}/admin/users/${user.id}`);
    await adminPage.getByLabel("Reason").fill("Ticket 9: no scripts");
    await adminPage.getByRole("button", { name: "Impersonate nojs_imp" }).click();
    await adminPage.waitForURL(/\/dashboard$/);
    await adminPage.getByRole("region", { name: "Impersonation" }).getByText("You are signed in as nojs_imp").waitFor();
    await screenshot(adminPage, "nojs-impersonation-banner");
    await adminPage.getByRole("button", { name: "Stop impersonating" }).click();
    await adminPage.waitForURL((url) => url.pathname === `/admin/users/${user.id}`);
    await adminPage.getByRole("button", { name: "Impersonate nojs_imp" }).waitFor();
  });

  test("change email: the form posts, and the link at the new address confirms it", async () => {
    const user = await registerUser(app, { username: "nojs_email" });
    const page = await userPage(user);
    await page.getByLabel("New email address").fill("nojs.moved@example.org");
    await page.getByRole("button", { name: "Change email" }).click();
    await page.waitForURL(/\/dashboard\?notice=email-change-sent$/);
    await page.getByText("A link was sent to nojs.moved@example.org").waitFor();
    const mail = await outbox(app);
    expect(mail.some((m) => m.to === user.email && m.subject === "Your email address is about to change")).toBe(true);
    const link = mail.find((m) => m.to === "nojs.moved@example.org")!;
    await page.goto(`${app.url}/confirm-email?token=${encodeURIComponent(tokenFromLink(link.text, "/confirm-email"))}`);
    await page.getByRole("button", { name: "Confirm new email address" }).click();
    await page.waitForURL(/\/dashboard\?notice=email-changed$/);
    await page.getByText("Your email address has been changed.").waitFor();
    await page.locator("#profile").getByText("nojs.moved@example.org").waitFor();
    await screenshot(page, "nojs-email-changed");
    await page.context().close();
  });

  test("delete account: a wrong name deletes nothing; the right one deletes it and signs out", async () => {
    const user = await registerUser(app, { username: "nojs_delete" });
    const page = await userPage(user);
    const confirm = page.getByLabel("To confirm, type your username: nojs_delete");
    await confirm.fill("nojs_delet");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await page.getByText("Nothing was deleted: the username did not match.").waitFor();
    await page.getByText("Type your username exactly as shown to confirm").waitFor();
    expect((await me(app, user.accessToken)).status).toBe(200);
    await confirm.fill("nojs_delete");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await page.waitForURL(/\/login\?notice=account-deleted$/);
    await page.getByText("Your account has been deleted").waitFor();
    await screenshot(page, "nojs-account-deleted");
    expect((await me(app, user.accessToken)).status).toBe(401);
    await page.context().close();
  });

  test("downloads: the users CSV with the filters the form applied, and my data", async () => {
    await adminPage.goto(`${app.url}/admin/users`);
    await adminPage.getByRole("searchbox", { name: "Search" }).fill("nojs_bulk_");
    await adminPage.getByRole("search").getByRole("button", { name: "Apply", exact: true }).click();
    await adminPage.waitForURL((url) => url.searchParams.get("search") === "nojs_bulk_");
    const csv = await download(adminPage, () => adminPage.getByRole("link", { name: "Export CSV" }).click());
    const usernames = csv.text.trimEnd().split("\r\n").slice(1).map((line) => line.split(",")[1]);
    expect(usernames.sort()).toEqual(["nojs_bulk_a", "nojs_bulk_b", "nojs_bulk_c"]);

    const user = await registerUser(app, { username: "nojs_data" });
    const page = await userPage(user);
    const file = await download(page, () => page.getByRole("link", { name: "Download my data (JSON)" }).click());
    expect((JSON.parse(file.text) as { profile: { username: string } }).profile.username).toBe("nojs_data");
    await page.context().close();
  });

  test("no page reported a console error (besides the refused delete, a real 422 page, on purpose)", () => {
    const expected = (problem: string) => problem.includes("status of 422") && problem.endsWith("/account/delete");
    expect(log.problems.filter((problem) => !expected(problem))).toEqual([]);
    expect(log.problems.filter(expected).length).toBe(1);
  });
});
