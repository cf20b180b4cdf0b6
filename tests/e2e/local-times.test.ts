/**
 * Times in the viewer's own zone: a browser in Tokyo sees a session's start and the audit log
 * in Tokyo time (also in rows an htmx swap brought in); without JavaScript the UTC text stays.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import type { RegisteredUser } from "../helpers/users";
import { hasChromium, htmxIdle, launchBrowser, newPage, ProblemLog, screenshot } from "./support";

setDefaultTimeout(30_000);

/** Tokyo's clock as an English page says it: "Mar 5, 2026, 8:30 AM GMT+9". */
const TOKYO = new Intl.DateTimeFormat("en", { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short", timeZone: "Asia/Tokyo" });

interface ShownTime {
  datetime: string;
  kind: string;
  text: string;
  title: string;
}

const shownTimes = (page: Page, selector: string) =>
  page.$$eval(`${selector} time[data-time]`, (times) =>
    times.map((time) => ({ datetime: time.getAttribute("datetime") ?? "", kind: time.getAttribute("data-time") ?? "", text: time.textContent ?? "", title: time.getAttribute("title") ?? "" })),
  );

/** Every time in Tokyo: a moment's text, a relative time's hover (its words unchanged). */
function expectTokyo(times: ShownTime[]): void {
  expect(times.length).toBeGreaterThan(0);
  for (const time of times) {
    const tokyo = TOKYO.format(new Date(time.datetime));
    expect(tokyo).toContain("GMT+9");
    if (time.kind === "datetime") expect(time.text).toBe(tokyo);
    else expect(time.title).toBe(tokyo);
    if (time.kind === "relative") expect(time.text).toMatch(/ago$|^just now$/);
  }
}

describe.skipIf(!hasChromium)("times in the viewer's time zone", () => {
  let app: TestApp;
  let browser: Browser;
  let admin: RegisteredUser;
  const log = new ProblemLog();

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
    admin = await registerAdmin(app);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function signIn(page: Page, next: string): Promise<void> {
    await page.goto(`${app.url}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel("Username or email").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname === next);
  }

  test("in Tokyo, the sessions card and the audit log say Tokyo time, also after an htmx swap", async () => {
    const { context, page } = await newPage(browser, log, { timezoneId: "Asia/Tokyo" });
    await signIn(page, "/dashboard");
    const sessions = await shownTimes(page, "#main");
    expectTokyo(sessions);
    expect(sessions.some((time) => time.kind === "datetime")).toBe(true);
    await screenshot(page, "local-times-dashboard-tokyo");

    await page.goto(`${app.url}/admin/audit`);
    await htmxIdle(page);
    expectTokyo(await shownTimes(page, "#audit-results"));
    // The action filter swaps the results in: the new rows are localised too.
    await page.getByLabel("Action").selectOption("login");
    await page.waitForURL(/action=login/);
    await htmxIdle(page);
    const swapped = await shownTimes(page, "#audit-results");
    expectTokyo(swapped);
    await screenshot(page, "local-times-audit-tokyo");
    expect(log.problems).toEqual([]);
    await context.close();
  });

  test("without JavaScript the times stay in UTC and say so", async () => {
    const { context, page } = await newPage(browser, log, { timezoneId: "Asia/Tokyo", javaScriptEnabled: false });
    await signIn(page, "/dashboard");
    const times = await shownTimes(page, "#main");
    expect(times.length).toBeGreaterThan(0);
    for (const time of times) {
      expect(time.kind === "datetime" ? time.text : time.title).toMatch(/ UTC$/);
      expect(time.datetime).toMatch(/Z$/);
    }
    await context.close();
  });
});
