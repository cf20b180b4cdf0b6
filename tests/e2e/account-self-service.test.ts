/**
 * A user managing their own account in a real browser (docs/self-service.md): change email
 * through the link at the new address (and the notice at the old one), download my data, and
 * delete the account after confirming it is them (the app's clock is moved past the five
 * minutes of a recent sign-in, never waited for).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { ManualClock } from "../../src/clock";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { outbox, tokenFromLink } from "../helpers/mail";
import { type RegisteredUser, registerUser } from "../helpers/users";
import { download, hasChromium, launchBrowser, newPage, ProblemLog, screenshot, signInThroughForm } from "./support";

setDefaultTimeout(30_000);

describe.skipIf(!hasChromium)("a user managing their own account in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let user: RegisteredUser;
  const clock = new ManualClock();
  const log = new ProblemLog();
  const newEmail = "ada.new@example.org";

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ clock, env: RELAXED_LIMITS }), launchBrowser()]);
    user = await registerUser(app, { username: "ada_self" });
    ({ page } = await newPage(browser, log));
    await signInThroughForm(page, app.url, user);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test("change email: the link goes to the new address, a notice to the old, and the link works signed out", async () => {
    await page.getByLabel("New email address").fill(newEmail);
    await page.getByRole("button", { name: "Change email" }).click();
    await page.getByText("We sent a link to your new address.").waitFor();
    await page.getByText(`A link was sent to ${newEmail}`).waitFor();
    await screenshot(page, "self-service-email-change-sent");

    const mail = await outbox(app);
    const link = mail.find((message) => message.to === newEmail && message.text.includes("/confirm-email?token="));
    const notice = mail.find((message) => message.to === user.email && message.subject === "Your email address is about to change");
    expect(notice?.text).toContain(newEmail);
    expect(notice?.text).toContain("/forgot-password");
    // Nothing changes until the link is opened: the old address still signs in.
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: user.email, password: user.password })).status).toBe(200);

    const elsewhere = await browser.newContext();
    const other = log.watch(await elsewhere.newPage());
    await other.goto(`${app.url}/confirm-email?token=${encodeURIComponent(tokenFromLink(link!.text, "/confirm-email"))}`);
    await other.getByText(newEmail).waitFor();
    await screenshot(other, "self-service-confirm-email");
    await other.getByRole("button", { name: "Confirm new email address" }).click();
    await other.waitForURL(/\/login\?notice=email-changed$/);
    await other.getByText("Your email address has been changed. Sign in with the new one.").waitFor();
    await elsewhere.close();

    await page.reload();
    const profile = page.locator("#profile");
    await profile.getByText(newEmail).waitFor();
    await profile.getByText("Verified", { exact: true }).waitFor();
    expect(await profile.getByText("Waiting for confirmation").count()).toBe(0);
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: newEmail, password: user.password })).status).toBe(200);
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: user.email, password: user.password })).status).toBe(401);
  });

  test("a confirmation link opened where someone else is signed in changes that account, and says so without claiming it was theirs", async () => {
    const other = await registerUser(app, { username: "bea_other" });
    const token = await app.json("POST", "/api/v1/auth/change-email", { new_email: "bea.new@example.org" }, { authorization: `Bearer ${other.accessToken}` });
    expect(token.status).toBe(202);
    const link = (await outbox(app)).find((message) => message.to === "bea.new@example.org")!;
    await page.goto(`${app.url}/confirm-email?token=${encodeURIComponent(tokenFromLink(link.text, "/confirm-email"))}`);
    await page.getByRole("button", { name: "Confirm new email address" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
    await page.getByText("The new email address is confirmed for the account that asked for it. The account signed in here is unchanged.").waitFor();
    expect(await page.getByText("Your email address has been changed.").count()).toBe(0);
    await page.locator("#profile").getByText(newEmail).waitFor();
    expect((await app.json<{ email: string }>("GET", "/api/v1/auth/me", undefined, { authorization: `Bearer ${other.accessToken}` })).body.email).toBe("bea.new@example.org");
  });

  test("download my data: a JSON file with the profile, the sessions and the account's history, and no secret", async () => {
    const file = await download(page, () => page.getByRole("link", { name: "Download my data (JSON)" }).click());
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    expect(file.name).toBe(`cobalt-ada_self-${day}.json`);
    const data = JSON.parse(file.text) as { profile: { username: string; email: string; has_password: boolean }; sessions: unknown[]; audit_events: Array<{ action: string }> };
    expect(data.profile).toMatchObject({ username: "ada_self", email: newEmail, has_password: true });
    // Sign-up, the browser's sign-in, and the two API sign-ins of the test before.
    expect(data.sessions.length).toBe(4);
    expect(data.audit_events.map((event) => event.action)).toEqual(expect.arrayContaining(["register", "login", "email_change_requested", "email_changed"]));
    expect(file.text).not.toContain("$argon2");
    expect(file.text).not.toContain(user.password);
  });

  test("delete account: a stale sign-in confirms it is you first, then the typed username deletes it", async () => {
    clock.advance(6 * 60 * 1000);
    await page.goto(`${app.url}/dashboard`);
    await page.getByLabel("To confirm, type your username: ada_self").fill("ada_self");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await page.waitForURL(/\/account\/reauthenticate\?next=%2Fdashboard$/);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Confirm", exact: true }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByLabel("To confirm, type your username: ada_self").fill("ada_self");
    await screenshot(page, "self-service-delete-account");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await page.waitForURL(/\/login\?notice=account-deleted$/);
    await page.getByText("Your account has been deleted, and every session of it signed out.").waitFor();
    await screenshot(page, "self-service-account-deleted");
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: newEmail, password: user.password })).status).toBe(401);
    await page.goto(`${app.url}/dashboard`);
    await page.waitForURL(/\/login\?next=%2Fdashboard$/);
  });

  test("no page reported a console error or an exception", () => {
    expect(log.problems).toEqual([]);
  });
});
