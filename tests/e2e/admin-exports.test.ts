/**
 * The admin's CSV exports downloaded in a real browser (docs/admin.md, "Exports"): the users
 * list and the audit log, each with the filters the admin set on the page, also when those were
 * set live (htmx swapped the results without reloading the page).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { bearer, registerUser, type RegisteredUser } from "../helpers/users";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { download, hasChromium, htmxIdle, launchBrowser, newPage, ProblemLog, screenshot, signInThroughForm } from "./support";

setDefaultTimeout(30_000);

/** The CSV's rows as objects keyed by the header (the cells hold no commas or quotes here). */
function rows(csv: string): Array<Record<string, string>> {
  const [header, ...lines] = csv.trimEnd().split("\r\n");
  const names = header!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((cell, index) => [names[index], cell])));
}

describe.skipIf(!hasChromium)("an admin exporting CSV in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let admin: RegisteredUser;
  const log = new ProblemLog();

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
    admin = await registerAdmin(app);
    for (const name of ["csv_alpha", "csv_beta", "csv_gamma", "other_delta"]) await registerUser(app, { username: name, email: `${name}@example.com` });
    const beta = (await app.json<{ users: Array<{ id: string }> }>("GET", "/api/v1/admin/users?search=csv_beta", undefined, bearer(admin.accessToken))).body.users[0]!;
    expect((await app.json("PATCH", `/api/v1/admin/users/${beta.id}/disable`, undefined, bearer(admin.accessToken))).status).toBe(200);
    ({ page } = await newPage(browser, log));
    await signInThroughForm(page, app.url, admin, "/admin/users");
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test("the users list, filtered live by search and status, exports exactly the rows shown", async () => {
    await page.getByRole("searchbox", { name: "Search" }).fill("csv_");
    await page.waitForURL((url) => url.searchParams.get("search") === "csv_");
    await htmxIdle(page);
    await page.getByLabel("Status").selectOption("active");
    await page.waitForURL((url) => url.searchParams.get("status") === "active");
    await htmxIdle(page);
    const shown = await page.getByRole("table", { name: "Users" }).locator("tbody tr a").allInnerTexts();
    expect(shown.sort()).toEqual(["csv_alpha", "csv_gamma"]);
    await screenshot(page, "admin-users-filtered-for-export");

    const file = await download(page, () => page.getByRole("link", { name: "Export CSV" }).click());
    expect(file.name).toMatch(/^users-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(file.text.split("\r\n")[0]).toBe("id,username,email,role,email_verified,disabled_at,created_at,last_login_at");
    const exported = rows(file.text);
    expect(exported.map((row) => row.username).sort()).toEqual(["csv_alpha", "csv_gamma"]);
    expect(exported.every((row) => row.role === "user" && row.disabled_at === "" && row.email === `${row.username}@example.com`)).toBe(true);
  });

  test("the audit log, filtered by action and person, exports exactly those events", async () => {
    await page.goto(`${app.url}/admin/audit`);
    await page.getByLabel("Action").selectOption("admin_user_disabled");
    await page.waitForURL((url) => url.searchParams.get("action") === "admin_user_disabled");
    await htmxIdle(page);
    await page.getByRole("table", { name: "Audit events" }).getByText("csv_beta").first().waitFor();
    await screenshot(page, "admin-audit-filtered-for-export");

    const file = await download(page, () => page.getByRole("link", { name: "Export CSV" }).click());
    expect(file.name).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(file.text.split("\r\n")[0]).toBe("id,created_at,action,actor_id,actor,target_id,target,ip,user_agent,details");
    const exported = rows(file.text);
    expect(exported.length).toBe(1);
    expect(exported[0]).toMatchObject({ action: "admin_user_disabled", actor: admin.username, actor_id: admin.id, target: "csv_beta" });

    // A person filter set by submitting the form: sign-ups of csv_alpha only.
    await page.goto(`${app.url}/admin/audit?user=csv_alpha&action=register`);
    const mine = rows((await download(page, () => page.getByRole("link", { name: "Export CSV" }).click())).text);
    expect(mine.map((row) => [row.action, row.actor])).toEqual([["register", "csv_alpha"]]);
  });

  test("no page reported a console error or an exception", () => {
    expect(log.problems).toEqual([]);
  });
});
