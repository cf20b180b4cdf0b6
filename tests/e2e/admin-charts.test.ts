/**
 * The overview's 30-day charts in a real browser (docs/admin.md, "Daily stats and charts"):
 * sign-ups, sign-ins and failed sign-ins seeded on known UTC days (the app's clock is set to
 * each day) must come out as the bars' values and titles, the charts' descriptions and the
 * table behind "Show the numbers as a table". A day outside the window counts nowhere.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { ManualClock } from "../../src/clock";
import { registerAdmin } from "../helpers/admin";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { type RegisteredUser, registerUser } from "../helpers/users";
import { hasChromium, launchBrowser, newPage, ProblemLog, screenshot, signInThroughForm } from "./support";

setDefaultTimeout(30_000);

const DAY_MS = 24 * 60 * 60 * 1000;
// Noon UTC of today: nothing seeded lands near a day's edge.
const TODAY_NOON = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS / 2;
const dayOf = (daysAgo: number) => new Date(TODAY_NOON - daysAgo * DAY_MS).toISOString().slice(0, 10);
const shortDate = (daysAgo: number) => new Intl.DateTimeFormat("en", { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(TODAY_NOON - daysAgo * DAY_MS));

describe.skipIf(!hasChromium)("the admin overview's charts in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  // The app starts on the earliest day seeded: its signing key must exist before the first token.
  const clock = new ManualClock(TODAY_NOON - 30 * DAY_MS);
  const log = new ProblemLog();

  const on = (daysAgo: number) => clock.set(TODAY_NOON - daysAgo * DAY_MS);
  const signIn = async (user: RegisteredUser, password = user.password) => {
    const response = await app.json("POST", "/api/v1/auth/login", { username_or_email: user.username, password });
    expect(response.status).toBe(password === user.password ? 200 : 401);
  };

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ clock, env: RELAXED_LIMITS }), launchBrowser()]);
    // 30 days ago is one day before the window: counted nowhere.
    const outside = await registerUser(app, { username: "too_early" });
    await signIn(outside);
    await signIn(outside, "wrong password");

    on(3); // 2 sign-ups, 1 sign-in, 2 failed.
    const ada = await registerUser(app, { username: "ada_day3" });
    const bob = await registerUser(app, { username: "bob_day3" });
    await signIn(ada);
    await signIn(bob, "wrong password");
    await signIn(bob, "wrong again");

    on(1); // 1 sign-up, 3 sign-ins, 1 failed.
    const cy = await registerUser(app, { username: "cy_day1" });
    await signIn(ada);
    await signIn(cy);
    await signIn(cy);
    await signIn(cy, "wrong password");

    on(0); // 1 sign-up (the admin), 2 sign-ins (registerAdmin's, the browser's).
    const admin = await registerAdmin(app);
    ({ page } = await newPage(browser, log));
    await signInThroughForm(page, app.url, admin, "/admin");
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const bar = (series: string, daysAgo: number) => page.locator(`svg[data-series=${series}] rect[data-date="${dayOf(daysAgo)}"]`);

  test("each bar carries its day's number, in its value and its title", async () => {
    const expected: Record<string, Record<number, number>> = {
      signups: { 3: 2, 2: 0, 1: 1, 0: 1 },
      sign_ins: { 3: 1, 2: 0, 1: 3, 0: 2 },
      failed_sign_ins: { 3: 2, 2: 0, 1: 1, 0: 0 },
    };
    const nouns: Record<string, string> = { signups: "sign-ups", sign_ins: "sign-ins", failed_sign_ins: "failed sign-ins" };
    for (const [series, days] of Object.entries(expected)) {
      expect(await page.locator(`svg[data-series=${series}] rect`).count()).toBe(30);
      expect(await bar(series, 30).count()).toBe(0); // too_early's day is outside the window
      for (const [daysAgo, value] of Object.entries(days)) {
        expect(await bar(series, Number(daysAgo)).getAttribute("data-value")).toBe(String(value));
        expect(await bar(series, Number(daysAgo)).locator("title").textContent()).toBe(`${shortDate(Number(daysAgo))}: ${value} ${nouns[series]}`);
      }
    }
    // The tallest bar of a chart is the full plot height; a smaller one is shorter, an empty day has none.
    const height = async (series: string, daysAgo: number) => Number(await bar(series, daysAgo).getAttribute("height"));
    expect(await height("sign_ins", 1)).toBeGreaterThan(await height("sign_ins", 0));
    expect(await height("sign_ins", 0)).toBeGreaterThan(await height("sign_ins", 3));
    expect(await height("sign_ins", 2)).toBe(0);
  });

  test("each chart is an image named by its title and described by its total and busiest day", async () => {
    await page.getByRole("img", { name: `Sign-ups per day 4 sign-ups in the last 30 days, most on ${shortDate(3)} (2).` }).waitFor();
    await page.getByRole("img", { name: `Sign-ins per day 6 sign-ins in the last 30 days, most on ${shortDate(1)} (3).` }).waitFor();
    await page.getByRole("img", { name: `Failed sign-ins per day 3 failed sign-ins in the last 30 days, most on ${shortDate(3)} (2).` }).waitFor();
    await screenshot(page, "admin-charts-seeded");
  });

  test("the table fallback holds the same numbers, newest day first", async () => {
    await page.getByText("Show the numbers as a table").click();
    const table = page.getByRole("table", { name: "Activity per day" });
    await table.waitFor();
    const rows = await table.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (cell) => cell.textContent?.trim() ?? "")));
    expect(rows.length).toBe(30);
    expect(rows.slice(0, 4)).toEqual([
      [dayOf(0), "1", "2", "0"],
      [dayOf(1), "1", "3", "1"],
      [dayOf(2), "0", "0", "0"],
      [dayOf(3), "2", "1", "2"],
    ]);
    expect(rows.at(-1)![0]).toBe(dayOf(29));
    await screenshot(page, "admin-charts-table");
  });

  test("no page reported a console error or an exception", () => {
    expect(log.problems).toEqual([]);
  });
});
