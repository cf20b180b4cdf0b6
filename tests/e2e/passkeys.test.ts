/**
 * Passkeys in a real Chromium with the DevTools protocol's virtual authenticator (CTAP2,
 * internal transport, resident keys, user verification): add a passkey on the account page,
 * sign out, sign in with it and no password, rename it, remove it; see it on the security page
 * and use it as the second step after a password. And with JavaScript off: the pages say
 * passkeys need it, and everything else still works.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { auditLog } from "../../src/db/schema";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "../helpers/auth";
import { startTestApp, type TestApp } from "../helpers/app";
import { bearer, type RegisteredUser, registerUser } from "../helpers/users";
import { SoftPasskey } from "../helpers/webauthn";
import { hasChromium, launchBrowser, newPage, ProblemLog, screenshot } from "./support";

setDefaultTimeout(30_000);


/** WebAuthn needs a host name (an IP cannot be an RP id) and a secure context: http://localhost is one. */
async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  await server.stop(true);
  return port;
}

describe.skipIf(!hasChromium)("passkeys in the browser", () => {
  let app: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let user: RegisteredUser;
  let authenticatorId: string;
  const log = new ProblemLog();

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    [app, browser] = await Promise.all([startTestApp({ port, env: { ...RELAXED_LIMITS, APP_URL: base } }), launchBrowser()]);
    ({ context, page } = await newPage(browser, log));
    page.on("dialog", (dialog) => dialog.accept());
    cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
    user = await registerUser(app);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const audited = async (action: string) => (await app.deps.database.db.select().from(auditLog).where(eq(auditLog.targetId, user.id))).filter((e) => e.action === action).length;

  test("the sign-in page offers a passkey button and passkey autofill on the username field", async () => {
    await page.goto(`${base}/login`);
    await expect(page.getByLabel("Username or email").getAttribute("autocomplete")).resolves.toBe("username webauthn");
    await page.getByRole("button", { name: "Sign in with a passkey" }).waitFor({ state: "visible" });
    expect(await page.getByText("Signing in with a passkey needs JavaScript").isVisible()).toBe(false);
  });

  test("a signed-in user adds a passkey on the account page", async () => {
    await page.getByLabel("Username or email").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/dashboard/);
    await page.goto(`${base}/account/passkeys`);
    await page.getByLabel("Name for the new passkey").fill("Work laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    // The account's first factor: the answer is the page itself, with recovery codes shown once.
    await page.getByText("Passkey added").waitFor();
    await expect(page.locator("#new-recovery-codes li").count()).resolves.toBe(10);
    await expect(page.locator("[data-passkey-id]").count()).resolves.toBe(1);
    await expect(page.locator("[data-passkey-id]").first().textContent()).resolves.toContain("Work laptop");
    const { credentials } = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })) as { credentials: { isResidentCredential: boolean }[] };
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(await audited("passkey_added")).toBe(1);
    await screenshot(page, "passkeys-added");
  });

  test("after signing out, passkey autofill on the username field signs in without a password", async () => {
    // The virtual authenticator answers a conditional request at once, as a user picking the
    // passkey from the username field's suggestions would.
    await page.getByRole("button", { name: "Sign out" }).first().click();
    await page.waitForURL(/\/dashboard/);
    await expect(page.getByRole("button", { name: "Sign out" }).first().isVisible()).resolves.toBe(true);
    expect(await audited("passkey_login")).toBe(1);
  });

  test("in a browser without passkey autofill, the button signs in without a password", async () => {
    await page.addInitScript(() => {
      Object.defineProperty(PublicKeyCredential, "isConditionalMediationAvailable", { value: () => Promise.resolve(false) });
    });
    // A new document gets the init script; the boosted sign-out below keeps it.
    await page.reload();
    await page.getByRole("button", { name: "Sign out" }).first().click();
    await page.waitForURL(/\/login/);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL(/\/dashboard/);
    expect(await audited("passkey_login")).toBe(2);
  });

  test("the passkey is renamed and removed on the account page", async () => {
    await page.goto(`${base}/account/passkeys`);
    const row = page.locator("[data-passkey-id]").first();
    await row.getByLabel("Name").fill("Old laptop");
    await row.getByRole("button", { name: "Rename" }).click();
    await page.getByText("Passkey renamed").waitFor();
    await expect(page.locator("[data-passkey-id]").first().textContent()).resolves.toContain("Old laptop");
    await page.locator("[data-passkey-id]").first().getByRole("button", { name: "Remove" }).click();
    await page.getByText("Passkey removed").waitFor();
    await expect(page.locator("[data-passkey-id]").count()).resolves.toBe(0);
    expect(await audited("passkey_removed")).toBe(1);
  });

  test("a removed passkey no longer signs in, and the page says so", async () => {
    await page.getByRole("button", { name: "Sign out" }).first().click();
    await page.waitForURL(/\/login/);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL(/notice=passkey-failed/);
    await page.getByText("That passkey was not accepted").waitFor();
  });

  test("no page reported an error (CSP violations included)", () => {
    // The refused sign-in above is a 303 to a page, not a console error.
    expect(log.problems).toEqual([]);
  });
});

describe.skipIf(!hasChromium)("a passkey as the second step, in the browser", () => {
  let app: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let user: RegisteredUser;
  const log = new ProblemLog();

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    [app, browser] = await Promise.all([startTestApp({ port, env: { ...RELAXED_LIMITS, APP_URL: base } }), launchBrowser()]);
    let context: BrowserContext;
    ({ context, page } = await newPage(browser, log));
    // No passkey autofill: the sign-in page would otherwise sign in with the passkey by itself,
    // and this is about the password followed by the passkey.
    await page.addInitScript(() => {
      Object.defineProperty(PublicKeyCredential, "isConditionalMediationAvailable", { value: () => Promise.resolve(false) });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    user = await registerUser(app);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function signInWithPassword() {
    await page.goto(`${base}/login`);
    await page.getByLabel("Username or email").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  test("the security page leads to adding a passkey, and then shows it on its card", async () => {
    await signInWithPassword();
    await page.waitForURL(/\/dashboard/);
    await page.goto(`${base}/account/security`);
    const card = page.locator("#passkeys");
    await card.getByText("No passkeys yet").waitFor();
    await card.getByRole("link", { name: "Add a passkey" }).click();
    await page.waitForURL(/\/account\/passkeys$/);
    await page.getByLabel("Name for the new passkey").fill("Work laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText("Passkey added").waitFor();

    await page.goto(`${base}/account/security`);
    await expect(card.locator("[data-passkey-id]").count()).resolves.toBe(1);
    await expect(card.textContent()).resolves.toContain("Work laptop");
    await expect(card.textContent()).resolves.toContain("never used");
    await expect(card.getByRole("link", { name: "Manage passkeys" }).getAttribute("href")).resolves.toBe("/account/passkeys");
    // The passkey is a factor: the recovery-codes card offers a new set.
    await page.getByRole("button", { name: "Make new codes" }).waitFor();
    await screenshot(page, "security-passkeys-card");
  });

  test("password, then /login/mfa, then \"Use a passkey\": signed in, and the card says it was used", async () => {
    await page.getByRole("button", { name: "Sign out" }).first().click();
    await page.waitForURL(/\/login/);
    await signInWithPassword();
    await page.waitForURL(/\/login\/mfa/);
    await page.getByRole("button", { name: "Use a passkey" }).click();
    await page.waitForURL(/\/dashboard/);
    await expect(page.getByRole("button", { name: "Sign out" }).first().isVisible()).resolves.toBe(true);
    const logins = (await app.deps.database.db.select().from(auditLog).where(eq(auditLog.targetId, user.id))).filter((event) => event.action === "login");
    expect(logins.length).toBeGreaterThanOrEqual(2);
    await page.goto(`${base}/account/security`);
    await expect(page.locator("#passkeys").textContent()).resolves.toContain("last used");
  });

  test("no page reported an error (CSP violations included)", () => {
    expect(log.problems).toEqual([]);
  });
});

describe.skipIf(!hasChromium)("passkeys with JavaScript off", () => {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const log = new ProblemLog();

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ env: RELAXED_LIMITS }), launchBrowser()]);
    ({ context, page } = await newPage(browser, log, { javaScriptEnabled: false }));
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test("the pages say passkeys need JavaScript; password sign-in, the second step's code form, rename and remove work as plain forms", async () => {
    const user = await registerUser(app);
    await page.goto(`${app.url}/login`);
    await page.getByText("Signing in with a passkey needs JavaScript").waitFor();
    expect(await page.getByRole("button", { name: "Sign in with a passkey" }).isVisible()).toBe(false);
    await page.getByLabel("Username or email").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/dashboard/);

    // A passkey registered through the API on this browser's own session (a first factor ends
    // the account's other sessions), with a software authenticator.
    const accessToken = (await context.cookies()).find((cookie) => cookie.name === "access_token")!.value;
    const key = new SoftPasskey({ origin: app.config.webauthn.origin, rpId: app.config.webauthn.rpId });
    const options = (await app.json<{ options: { challenge: string; user: { id: string } } }>("POST", "/api/v1/auth/passkeys/options", undefined, bearer(accessToken))).body.options;
    const registered = await app.json<{ recovery_codes: string[] }>("POST", "/api/v1/auth/passkeys", { name: "Security key", credential: key.register(options) }, bearer(accessToken));
    expect(registered.status).toBe(201);

    // The second step without JavaScript: the passkey is named but not offered, the code form works.
    await page.getByRole("button", { name: "Sign out" }).first().click();
    await page.waitForURL(/\/login/);
    await page.getByLabel("Username or email").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/login\/mfa/);
    await page.getByText("Using a passkey needs JavaScript; a code works as usual.").waitFor();
    expect(await page.getByRole("button", { name: "Use a passkey" }).isVisible()).toBe(false);
    await page.getByLabel("Recovery code").fill(registered.body.recovery_codes[0]!);
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.waitForURL(/\/dashboard/);

    await page.goto(`${app.url}/account/passkeys`);
    await page.getByText("Adding a passkey needs JavaScript").waitFor();
    expect(await page.getByRole("button", { name: "Add a passkey" }).isVisible()).toBe(false);
    await page.locator("[data-passkey-id]").first().getByLabel("Name").fill("Blue key");
    await page.locator("[data-passkey-id]").first().getByRole("button", { name: "Rename" }).click();
    await page.getByText("Passkey renamed").waitFor();
    await expect(page.locator("[data-passkey-id]").first().textContent()).resolves.toContain("Blue key");
    await page.locator("[data-passkey-id]").first().getByRole("button", { name: "Remove" }).click();
    await page.getByText("Passkey removed").waitFor();
    await expect(page.locator("[data-passkey-id]").count()).resolves.toBe(0);
    await screenshot(page, "passkeys-no-javascript");
    expect(log.problems).toEqual([]);
  });
});
