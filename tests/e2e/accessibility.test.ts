/**
 * axe-core on every page a visitor, a signed-in user and an admin can reach, in light and dark
 * mode, the main pages also on a phone: no serious or critical violation. Each page's form
 * controls also get a focus ring of at least 3:1 (axe does not measure that). Screenshots of
 * what was checked go to tests/e2e/screenshots/a11y-*.png.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { oauthAccounts } from "../../src/db/schema";
import { registerAdmin } from "../helpers/admin";
import { RELAXED_LIMITS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { latestTokenFor, outbox, tokenFromLink } from "../helpers/mail";
import { enrolPasskey, enrolTotp, type MfaRequiredBody } from "../helpers/mfa";
import { base32Decode, totpCode } from "../../src/modules/mfa/totp";
import { bearer, type RegisteredUser, registerUser } from "../helpers/users";
import { axeViolations, weakFocusRings } from "./axe";
import { hasChromium, htmxIdle, launchBrowser, newPage, ProblemLog, screenshot } from "./support";

setDefaultTimeout(120_000);

const PHONE = { width: 375, height: 740 };
const DESKTOP = { width: 1280, height: 860 };

describe.skipIf(!hasChromium)("accessibility of every page (axe-core)", () => {
  let app: TestApp;
  let browser: Browser;
  let admin: RegisteredUser;
  let member: RegisteredUser;
  const log = new ProblemLog();
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // Providers configured, so the sign-in pages' "Continue with …" and the connected-accounts card are checked too.
    const providers = { OAUTH_GITHUB_CLIENT_ID: "a11y-github", OAUTH_GITHUB_CLIENT_SECRET: "a11y-github-secret", OAUTH_GOOGLE_CLIENT_ID: "a11y-google", OAUTH_GOOGLE_CLIENT_SECRET: "a11y-google-secret" };
    [app, browser] = await Promise.all([startTestApp({ env: { ...RELAXED_LIMITS, ...providers } }), launchBrowser()]);
    admin = await registerAdmin(app);
    member = await registerUser(app, { username: "member_ann", email: "ann@example.com" });
    // Something in each list: a token, failed sign-ins for the audit log and the charts.
    await app.json("POST", "/api/v1/auth/tokens", { name: "deploy script", scopes: ["profile:read"], expires_in_days: 30 }, bearer(member.accessToken));
    await app.json("POST", "/api/v1/auth/login", { username_or_email: member.username, password: "wrong password here" });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await app?.stop();
  });

  /**
   * A context that lets axe's script in (the pages' CSP rightly refuses inline scripts), with
   * reduced motion: switching to dark mode would otherwise catch buttons mid colour transition.
   */
  async function open(): Promise<Page> {
    const { context, page } = await newPage(browser, log, { bypassCSP: true, reducedMotion: "reduce" });
    contexts.push(context);
    return page;
  }

  async function signIn(page: Page, user: Pick<RegisteredUser, "username" | "password">, next: string): Promise<void> {
    await page.goto(`${app.url}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel("Username or email").fill(user.username);
    await page.getByLabel("Password", { exact: true }).fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname === next);
  }

  /**
   * The page as it is now, checked in light and dark mode (and on a phone, light, for main pages);
   * returns every failure found, labelled with the page and the mode.
   */
  async function check(page: Page, name: string, options: { phone?: boolean } = {}): Promise<string[]> {
    await htmxIdle(page);
    // The pointer off every control: a button left under it by the last click would be checked
    // hovered or not depending on scrolling. Hover is checked on purpose below (hovered()).
    await page.mouse.move(0, 0);
    const failures: string[] = [];
    const modes: Array<{ mode: string; scheme: "light" | "dark"; viewport: typeof DESKTOP }> = [
      { mode: "light", scheme: "light", viewport: DESKTOP },
      { mode: "dark", scheme: "dark", viewport: DESKTOP },
      ...(options.phone ? [{ mode: "phone", scheme: "light" as const, viewport: PHONE }] : []),
    ];
    for (const { mode, scheme, viewport } of modes) {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme: scheme });
      const label = `${name} (${mode})`;
      failures.push(...(await axeViolations(page, label)));
      // The rings do not change with the viewport: measured on the desktop passes only.
      if (mode !== "phone") failures.push(...(await weakFocusRings(page, label)));
      await screenshot(page, `a11y-${name}-${mode}`);
    }
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ colorScheme: "light" });
    return failures;
  }

  /** A button under the pointer, in light and dark mode: hover colours keep their text readable. */
  async function hovered(page: Page, name: string, button: string): Promise<string[]> {
    const failures: string[] = [];
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.getByRole("button", { name: button, exact: true }).first().hover();
      failures.push(...(await axeViolations(page, `${name} (${scheme}, hovering ${button})`)));
    }
    await page.emulateMedia({ colorScheme: "light" });
    return failures;
  }

  async function visit(page: Page, path: string, name: string, options: { phone?: boolean } = {}): Promise<string[]> {
    await page.goto(`${app.url}${path}`);
    return check(page, name, options);
  }

  test("pages for visitors: start, sign-in, sign-up, recovery, email links, errors", async () => {
    const page = await open();
    const failures: string[] = [];
    failures.push(...(await visit(page, "/", "home", { phone: true })));
    failures.push(...(await visit(page, "/login", "login", { phone: true })));
    failures.push(...(await hovered(page, "login", "Sign in")));
    failures.push(...(await hovered(page, "login", "Sign in with a passkey")));
    failures.push(...(await visit(page, "/register", "register", { phone: true })));
    failures.push(...(await visit(page, "/forgot-password", "forgot-password", { phone: true })));

    // Forms answered with errors: the alert, the invalid fields and their messages.
    await page.goto(`${app.url}/login`);
    await page.getByLabel("Username or email").fill("nobody_here");
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByText("Invalid username, email or password").waitFor();
    failures.push(...(await check(page, "login-error")));
    await page.goto(`${app.url}/register`);
    // Taken name and address: the server's answer, past the browser's own checks.
    await page.getByLabel("Username").fill(member.username);
    await page.getByLabel("Email").fill(member.email);
    await page.getByLabel("Password", { exact: true }).fill("a long enough password 1");
    await page.getByRole("button", { name: "Create account" }).last().click();
    await page.locator('[aria-invalid="true"]').first().waitFor();
    failures.push(...(await check(page, "register-errors")));

    await page.goto(`${app.url}/forgot-password`);
    await page.getByLabel("Email").fill(member.email);
    await page.getByRole("button", { name: /reset link/i }).click();
    await page.locator('[role="status"]').first().waitFor();
    failures.push(...(await check(page, "forgot-password-sent")));

    const reset = await latestTokenFor(app, member.email, "/reset-password");
    failures.push(...(await visit(page, `/reset-password?token=${encodeURIComponent(reset)}`, "reset-password", { phone: true })));
    failures.push(...(await visit(page, "/reset-password?token=not-a-real-token", "reset-password-dead-link")));
    const fresh = await registerUser(app);
    const verify = await latestTokenFor(app, fresh.email, "/verify-email");
    failures.push(...(await visit(page, `/verify-email?token=${encodeURIComponent(verify)}`, "verify-email")));
    failures.push(...(await visit(page, "/verify-email?token=not-a-real-token", "verify-email-dead-link")));
    failures.push(...(await visit(page, "/confirm-email?token=not-a-real-token", "confirm-email-dead-link")));

    const invited = await app.json<{ id: string }>("POST", "/api/v1/admin/users", { username: "invited_ivy", email: "ivy@example.com" }, bearer(admin.accessToken));
    expect(invited.status).toBe(201);
    const invitation = (await outbox(app)).find((message) => message.to === "ivy@example.com");
    failures.push(...(await visit(page, `/invite?token=${encodeURIComponent(tokenFromLink(invitation!.text, "/invite"))}`, "invite")));
    failures.push(...(await visit(page, "/invite?token=not-a-real-token", "invite-dead-link")));
    // The development outbox, where a developer (or this suite) reads those links: it has mail in it now.
    failures.push(...(await visit(page, "/dev/outbox", "dev-outbox")));

    failures.push(...(await visit(page, "/oauth/github/callback?error=access_denied&state=unknown", "oauth-failure")));
    expect(await page.locator("#oauth-failure").count()).toBe(1);
    failures.push(...(await visit(page, "/no-such-page", "error-404", { phone: true })));
    failures.push(...(await visit(page, "/login?next=%00", "error-422")));
    expect(failures).toEqual([]);
  });

  test("the second step of a sign-in (/login/mfa)", async () => {
    const page = await open();
    const guarded = await registerUser(app, { username: "guarded_gus", email: "gus@example.com" });
    await enrolTotp(app, guarded);
    await page.goto(`${app.url}/login`);
    await page.getByLabel("Username or email").fill(guarded.username);
    await page.getByLabel("Password", { exact: true }).fill(guarded.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/login/mfa");
    expect(await check(page, "login-mfa", { phone: true })).toEqual([]);
  });

  test("pages for a signed-in user: dashboard, tokens, security, passkeys, re-authentication", async () => {
    const page = await open();
    await signIn(page, member, "/dashboard");
    const failures: string[] = [];
    failures.push(...(await check(page, "dashboard", { phone: true })));

    // A token just created: its secret is shown once, in a field with a copy button.
    await page.getByLabel("Name", { exact: true }).fill("ci runner");
    await page.getByRole("checkbox", { name: /profile:read/ }).check();
    await page.getByRole("button", { name: "Create token" }).click();
    await page.getByText('Token "ci runner" created.').waitFor();
    failures.push(...(await check(page, "dashboard-token-created")));

    failures.push(...(await visit(page, "/account/security", "security", { phone: true })));
    failures.push(...(await visit(page, "/account/passkeys", "passkeys", { phone: true })));
    failures.push(...(await visit(page, "/account/reauthenticate?next=%2Fdashboard", "reauthenticate")));
    failures.push(...(await visit(page, "/", "home-signed-in")));
    expect(failures).toEqual([]);
  });

  test("a signed-in user's pages in their fuller states: several sessions, a passkey, authenticator set-up, recovery codes, errors, a pending email change", async () => {
    const page = await open();
    const busy = await registerUser(app, { username: "busy_bea", email: "bea@example.com" });
    // A first passkey ends the account's other sessions, so it comes first; both sign-ins after it
    // take their second step with a recovery code.
    const { passkey } = await enrolPasskey(app, busy.accessToken, "Laptop key");
    // A linked GitHub account, as the callback would have stored it: its row and "Unlink" are checked too.
    await app.deps.database.db.insert(oauthAccounts).values({ provider: "github", providerAccountId: "4242", userId: busy.id, email: "bea@users.noreply.github.com" });
    const phone = { "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1" };
    const pending = await app.json<MfaRequiredBody>("POST", "/api/v1/auth/login", { username_or_email: busy.username, password: busy.password }, phone);
    const onPhone = await app.json("POST", "/api/v1/auth/mfa/verify", { mfa_token: pending.body.details.mfa_token, method: "recovery_code", code: passkey.recovery_codes[1] }, phone);
    expect(onPhone.status).toBe(200);
    await page.goto(`${app.url}/login?next=%2Fdashboard`);
    await page.getByLabel("Username or email").fill(busy.username);
    await page.getByLabel("Password", { exact: true }).fill(busy.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/login/mfa");
    await page.getByLabel("Recovery code").fill(passkey.recovery_codes[0]!);
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
    const failures: string[] = [];

    await page.getByLabel("Current password", { exact: true }).fill("not my password at all");
    await page.getByLabel("New password", { exact: true }).fill("a brand new password 7");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.locator('#password-form [aria-invalid="true"], #password-form [role="alert"]').first().waitFor();
    failures.push(...(await check(page, "dashboard-sessions-password-error", { phone: true })));

    await page.getByLabel("New email address").fill("bea.new@example.com");
    await page.getByRole("button", { name: "Change email" }).click();
    await page.getByText("Waiting for confirmation").waitFor();
    failures.push(...(await check(page, "dashboard-email-pending")));
    const change = (await outbox(app)).find((message) => message.to === "bea.new@example.com");
    failures.push(...(await visit(page, `/confirm-email?token=${encodeURIComponent(tokenFromLink(change!.text, "/confirm-email"))}`, "confirm-email")));

    failures.push(...(await visit(page, "/account/passkeys", "passkeys-listed", { phone: true })));
    await page.goto(`${app.url}/account/security`);
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    await page.locator("#totp-secret").waitFor();
    failures.push(...(await check(page, "security-totp-setup", { phone: true })));
    const secret = (await page.locator("#totp-secret").textContent())!.replace(/\s+/g, "");
    await page.getByLabel("Code from the app").fill(totpCode(base32Decode(secret), app.deps.clock.now()));
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByRole("button", { name: "Remove authenticator app" }).waitFor();
    failures.push(...(await check(page, "security-recovery-codes", { phone: true })));
    expect(failures).toEqual([]);

    // The same user through an admin's eyes: factors, passkey, sessions and tokens on one page.
    const adminPage = await open();
    await signIn(adminPage, admin, "/admin");
    expect(await visit(adminPage, `/admin/users/${busy.id}`, "admin-user-with-factors", { phone: true })).toEqual([]);
  });

  test("pages for an admin: overview with charts, users, a user, create, edit, confirmations, audit log", async () => {
    const page = await open();
    await signIn(page, admin, "/admin");
    const failures: string[] = [];
    failures.push(...(await check(page, "admin-overview", { phone: true })));
    failures.push(...(await visit(page, "/admin/users", "admin-users", { phone: true })));
    failures.push(...(await visit(page, "/admin/users?search=zzz-nobody", "admin-users-empty")));
    failures.push(...(await visit(page, `/admin/users/${member.id}`, "admin-user", { phone: true })));
    failures.push(...(await visit(page, `/admin/users/${member.id}/edit`, "admin-user-edit")));
    failures.push(...(await visit(page, `/admin/users/${member.id}/confirm?action=delete`, "admin-user-confirm-delete")));
    failures.push(...(await hovered(page, "admin-user-confirm-delete", await page.locator("main form button[type=submit]").last().innerText())));
    failures.push(...(await visit(page, `/admin/users/${member.id}/logout-all`, "admin-user-logout-all")));
    failures.push(...(await visit(page, "/admin/users/new", "admin-user-new")));
    failures.push(...(await visit(page, "/admin/audit", "admin-audit", { phone: true })));

    // Bulk: the confirmation page of a bulk disable.
    await page.goto(`${app.url}/admin/users?search=member_ann`);
    await page.getByLabel("Select member_ann").check();
    await page.getByLabel("With the selected users").selectOption("disable");
    await page.getByRole("button", { name: "Apply to selected" }).click();
    await page.waitForLoadState();
    failures.push(...(await check(page, "admin-bulk-confirm")));
    await page.getByRole("button", { name: "Disable this user" }).click();
    await page.getByRole("heading", { name: /done/ }).waitFor();
    failures.push(...(await check(page, "admin-bulk-results")));
    expect(failures).toEqual([]);
  });

  test("an impersonated session: the banner on the user's pages", async () => {
    const page = await open();
    const seen = await registerUser(app, { username: "seen_sam", email: "sam@example.com" });
    await signIn(page, admin, "/admin");
    await page.goto(`${app.url}/admin/users/${seen.id}`);
    await page.getByLabel("Reason").fill("ticket 42: cannot find the tokens card");
    await page.getByRole("button", { name: "Impersonate seen_sam" }).click();
    await page.getByRole("region", { name: "Impersonation" }).waitFor();
    const failures = await check(page, "impersonated", { phone: true });
    failures.push(...(await visit(page, "/account/security", "impersonated-security")));
    expect(failures).toEqual([]);
  });
});
