/** The admin panel in a real browser: search, filter, page, disable, all without a full reload. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { users } from "../../src/db/schema";
import { registerAdmin, updateUserRows } from "../helpers/admin";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { type RegisteredUser, registerUser } from "../helpers/users";
import { documentMarked, hasChromium, htmxIdle, launchBrowser, markDocument, newPage, ProblemLog, screenshot } from "./support";

setDefaultTimeout(30_000);

describe.skipIf(!hasChromium)("an admin in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let admin: RegisteredUser;
  let target: RegisteredUser;
  const log = new ProblemLog();
  const payload = "<img/src/onerror=alert(document.domain)>";
  const dialogs: string[] = [];

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
    admin = await registerAdmin(app);
    // 24 "member" accounts: more than one page of 20.
    for (let n = 0; n < 24; n++) await registerUser(app, { username: `member${String(n).padStart(2, "0")}x`, email: `member${n}@example.com` });
    target = await registerUser(app, { username: "target_user", email: "target@example.com" });
    // Sign-up now refuses markup in an address (docs/architecture.md, text input); an address that
    // got into the database another way (an import, an older version) must still be shown as text.
    const payloadUser = await registerUser(app, { username: "payload_user", email: "payload@example.com" });
    await updateUserRows(app, eq(users.id, payloadUser.id), { email: `${payload}@example.com` });
    ({ page } = await newPage(browser, log));
    page.on("dialog", (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void (dialog.type() === "confirm" ? dialog.accept() : dialog.dismiss());
    });
    await page.goto(`${app.url}/login?next=%2Fadmin`);
    await page.getByLabel("Username or email").fill(admin.username);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/admin$/);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const rows = () => page.locator("#users-results tbody tr");

  test("the overview shows the stats", async () => {
    await page.getByText("Active sessions").first().waitFor();
    await screenshot(page, "admin-overview");
    await page.getByRole("link", { name: "Users", exact: true }).click();
    await page.waitForURL(/\/admin\/users$/);
    expect(await rows().count()).toBe(20);
    await screenshot(page, "admin-users");
  });

  test("live search narrows the table as you type and puts the query in the URL", async () => {
    await markDocument(page);
    await page.getByLabel("Search").pressSequentially("member2", { delay: 30 });
    await page.waitForURL(/search=member2/);
    // member20x to member23x by name, member02x by its address member2@example.com.
    await page.waitForFunction(() => document.querySelectorAll("#users-results tbody tr").length === 5);
    expect(await documentMarked(page)).toBe(true);
  });

  test("filters combine with the search, and clearing brings everyone back", async () => {
    await page.getByLabel("Search").fill("");
    await page.getByLabel("Search").press("Enter");
    await page.getByLabel("Role").selectOption("admin");
    await page.waitForURL(/role=admin/);
    await page.waitForFunction(() => document.querySelectorAll("#users-results tbody tr").length === 1);
    expect(await rows().first().textContent()).toContain(admin.username);
    await page.getByLabel("Role").selectOption("");
    await page.waitForFunction(() => document.querySelectorAll("#users-results tbody tr").length === 20);
    expect(await documentMarked(page)).toBe(true);
  });

  test("pagination swaps the table, pushes the URL, and back returns to page one", async () => {
    // The filters test may leave a debounced search in the queue: let it land first.
    await page.waitForTimeout(400);
    await htmxIdle(page);
    await page.getByRole("link", { name: "Next" }).click();
    await page.waitForURL(/page=2/);
    // 27 accounts: the admin, 24 members, target_user and payload_user.
    await page.waitForFunction(() => document.querySelectorAll("#users-results tbody tr").length === 7);
    expect(await documentMarked(page)).toBe(true);
    await page.goBack();
    await page.waitForFunction(() => !location.search.includes("page=2"));
    await page.waitForFunction(() => document.querySelectorAll("#users-results tbody tr").length === 20);
  });

  test("column headers sort in place, keep the search, push the URL and mark the column with aria-sort", async () => {
    await page.goto(`${app.url}/admin/users?search=member`);
    await markDocument(page);
    const header = (name: string) => page.locator("#users-results th", { hasText: name });
    const firstUser = () => rows().first().locator("a").first().textContent();
    expect(await header("Joined").getAttribute("aria-sort")).toBe("descending");

    await page.getByRole("link", { name: "User", exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get("sort") === "username" && url.searchParams.get("search") === "member");
    await page.waitForFunction(() => document.querySelector("#users-results th[aria-sort]")?.textContent?.includes("User"));
    expect(await header("User").getAttribute("aria-sort")).toBe("ascending");
    expect(await header("Joined").getAttribute("aria-sort")).toBeNull();
    expect(await firstUser()).toBe("member00x");
    // The sort menu follows the header, so the next search keeps the order.
    expect(await page.getByLabel("Sort").inputValue()).toBe("username");

    await page.getByRole("link", { name: "User", exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get("sort") === "-username");
    await page.waitForFunction(() => document.querySelector("#users-results th[aria-sort]")?.getAttribute("aria-sort") === "descending");
    expect(await firstUser()).toBe("member23x");

    await page.getByRole("link", { name: "Last sign-in" }).click();
    await page.waitForURL((url) => url.searchParams.get("sort") === "-last_login_at");
    await page.waitForFunction(() => document.querySelector("#users-results th[aria-sort]")?.textContent?.includes("Last sign-in"));
    expect(await page.getByLabel("Sort").inputValue()).toBe("-last_login_at");

    await page.getByLabel("Search").fill("member1");
    await page.getByLabel("Search").press("Enter");
    await page.waitForURL((url) => url.searchParams.get("search") === "member1" && url.searchParams.get("sort") === "-last_login_at");
    // Swaps replace the results' content, never nest a second container.
    expect(await page.locator("#users-results").count()).toBe(1);
    expect(await documentMarked(page)).toBe(true);

    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get("search") === "member" && url.searchParams.get("sort") === "-last_login_at");
    // No page snapshots are kept (personal data): back reloads the page from the server.
    await page.waitForFunction(() => document.readyState === "complete" && !document.documentElement.hasAttribute("data-e2e-mark"));
    expect(await page.getByLabel("Search").inputValue()).toBe("member");
    expect(await page.getByLabel("Sort").inputValue()).toBe("-last_login_at");
  });

  test("an HTML payload in a user's email is shown as text and runs nothing", async () => {
    await page.goto(`${app.url}/admin/users?search=payload_user`);
    await page.getByText(`${payload}@example.com`).last().waitFor();
    expect(await page.locator("#users-results img").count()).toBe(0);
    expect(dialogs.filter((dialog) => dialog.startsWith("alert"))).toEqual([]);
  });

  test("disabling a user asks for confirmation and shows the result in place", async () => {
    await page.goto(`${app.url}/admin/users?search=target_user`);
    await page.getByRole("link", { name: "target_user" }).click();
    await page.waitForURL(new RegExp(`/admin/users/${target.id}$`));
    await markDocument(page);
    await page.getByRole("button", { name: "Disable account" }).click();
    await page.getByText("Account disabled.").waitFor();
    expect(dialogs.some((dialog) => dialog.startsWith("confirm: Disable target_user?"))).toBe(true);
    await page.getByText("Disabled", { exact: true }).first().waitFor();
    await page.getByRole("button", { name: "Enable account" }).waitFor();
    expect(await documentMarked(page)).toBe(true);
    await screenshot(page, "admin-user");
    // The user's own API token stopped working at once.
    expect((await app.json("GET", "/api/v1/auth/me", undefined, { authorization: `Bearer ${target.accessToken}` })).status).toBe(401);
  });

  test("the audit log lists the disable, filterable by action", async () => {
    await page.goto(`${app.url}/admin/audit`);
    await page.getByLabel("Action").selectOption("admin_user_disabled");
    await page.waitForURL(/action=admin_user_disabled/);
    await page.waitForFunction(() => document.querySelectorAll("#audit-results tbody tr").length === 1);
    expect(await page.locator("#audit-results tbody tr").first().textContent()).toContain("target_user");
    await screenshot(page, "admin-audit");
  });

  test("a phone-sized screen keeps the users table readable", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/admin/users`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "admin-users-phone");
  });

  test("no page reported a console error or an exception", () => {
    expect(log.problems).toEqual([]);
  });
});
