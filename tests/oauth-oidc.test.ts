/**
 * Social sign-in through real OpenID Providers (oidc-provider) standing in for Google and a
 * generic issuer: sign-up, sign-in, linking, unlinking, the email-clash rules, and every way a
 * round trip can go wrong ending on a friendly page with nothing half made.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq, sql } from "drizzle-orm";
import { auditLog, oauthAccounts, sessions, users } from "../src/db/schema";
import { issueAccessToken } from "../src/modules/auth/sessions";
import { registerAdmin } from "./helpers/admin";
import { expectError, START_TIMEOUT_MS } from "./helpers/auth";
import { foreignKey } from "./helpers/oidc-provider";
import { FetchBrowser, type OAuthWorld, pageText, roundTrip, startOAuthWorld } from "./helpers/oauth";
import { bearer, registerUser, uniqueUser } from "./helpers/users";

let world: OAuthWorld;
beforeAll(async () => {
  world = await startOAuthWorld();
}, START_TIMEOUT_MS);
afterAll(async () => {
  await world?.stop();
});

const db = () => world.app.deps.database.db;
let accountCounter = 0;

/** A person at the provider; the login name is also their `sub` there. */
function providerAccount(op: "google" | "acme", claims: { email?: string; email_verified?: boolean; preferred_username?: string } = {}) {
  accountCounter += 1;
  const login = `p${accountCounter}${crypto.randomUUID().slice(0, 6)}`;
  world[op].accounts.set(login, { email: `${login}@example.com`, email_verified: true, preferred_username: login, ...claims });
  return login;
}

async function userByEmail(email: string) {
  const [user] = await db().select().from(users).where(sql`lower(${users.email}) = lower(${email})`);
  return user;
}

async function userCount(): Promise<number> {
  const [row] = await db().select({ n: sql<number>`count(*)::int` }).from(users);
  return row!.n;
}

async function auditActions(userId: string): Promise<string[]> {
  const rows = await db().select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, userId)).orderBy(auditLog.createdAt);
  return rows.map((row) => row.action);
}

async function lastFailure(): Promise<Record<string, unknown> | undefined> {
  const [row] = await db().select().from(auditLog).where(eq(auditLog.action, "oauth_failed")).orderBy(sql`${auditLog.createdAt} desc`).limit(1);
  return row?.details;
}

function accessToken(browser: FetchBrowser): string {
  return browser.cookie(world.app.url, "access_token")!;
}

async function identities(browser: FetchBrowser) {
  return world.app.json<{ identities: { id: string; provider: string; provider_user_id: string; email: string | null }[] }>("GET", "/api/v1/auth/identities", undefined, bearer(accessToken(browser)));
}

/** The page a failed round trip ends on: its status, its words and a request id, never a 5xx. */
function expectFailurePage(page: { status: number; html: string }, status: number, title: string) {
  expect(page.status).toBe(status);
  const text = pageText(page.html);
  expect(text).toContain(title);
  expect(text).toMatch(/Request id \S+/);
  return text;
}

describe("signing up and in with an OpenID Connect provider", () => {
  test("a new person signs up with Google: verified email, username from the provider, no password, signed in", async () => {
    const login = providerAccount("google");
    const browser = new FetchBrowser();
    const page = await roundTrip(browser, world.app, "/oauth/google/start", { login });
    expect(page.url).toBe(`${world.app.url}/dashboard`);
    expect(pageText(page.html)).toContain(`Hello, ${login}`);

    const user = (await userByEmail(`${login}@example.com`))!;
    expect(user).toMatchObject({ username: login, emailVerified: true, passwordHash: null });
    const me = await world.app.json("GET", "/api/v1/auth/me", undefined, bearer(accessToken(browser)));
    expect(me.body).toMatchObject({ id: user.id, email_verified: true });
    const listed = await identities(browser);
    expect(listed.body.identities).toEqual([expect.objectContaining({ provider: "google", provider_user_id: login, email: `${login}@example.com` })]);
    expect(await auditActions(user.id)).toEqual(["oauth_signup", "oauth_login"]);
    // No password exists to guess: the password sign-in refuses it like any wrong password.
    const attempt = await world.app.json("POST", "/api/v1/auth/login", { username_or_email: login, password: "anything at all 123" });
    expectError(attempt, 401, "invalid_credentials");
  });

  test("signing in again with the same identity reaches the same account and creates no other", async () => {
    const login = providerAccount("google");
    await roundTrip(new FetchBrowser(), world.app, "/oauth/google/start", { login });
    const before = await userCount();
    const again = new FetchBrowser();
    const page = await roundTrip(again, world.app, "/oauth/google/start?next=%2Fdashboard%3Ftab%3D1", { login });
    expect(page.url).toBe(`${world.app.url}/dashboard?tab=1`);
    expect(await userCount()).toBe(before);
    const user = (await userByEmail(`${login}@example.com`))!;
    expect((await auditActions(user.id)).filter((action) => action === "oauth_login")).toHaveLength(2);
  });

  test("the username is derived and made unique when the provider's name is taken", async () => {
    const taken = await registerUser(world.app);
    const login = providerAccount("google", { preferred_username: taken.username });
    await roundTrip(new FetchBrowser(), world.app, "/oauth/google/start", { login });
    const user = (await userByEmail(`${login}@example.com`))!;
    expect(user.username).not.toBe(taken.username);
    expect(user.username.startsWith(`${taken.username}-`)).toBe(true);
    expect(user.username).toMatch(/^[A-Za-z0-9_.-]{3,50}$/);
  });

  test("an email the provider does not call verified signs up unverified", async () => {
    const login = providerAccount("acme", { email_verified: false });
    const page = await roundTrip(new FetchBrowser(), world.app, "/oauth/acme/start", { login });
    expect(page.url).toBe(`${world.app.url}/dashboard`);
    expect((await userByEmail(`${login}@example.com`))!.emailVerified).toBe(false);
  });

  test("the configured providers are listed for API clients, and only those", async () => {
    const response = await world.app.json("GET", "/api/v1/auth/providers");
    expect(response.body).toEqual({ providers: [{ id: "github", name: "GitHub" }, { id: "google", name: "Google" }, { id: "acme", name: "Acme SSO" }] });
  });

  test("the sign-in and sign-up pages offer each configured provider as a link", async () => {
    for (const path of ["/login", "/register"]) {
      const html = await (await world.app.fetch(path, { headers: { accept: "text/html" } })).text();
      expect(html).toContain('href="/oauth/google/start"');
      expect(html).toContain('href="/oauth/acme/start"');
      expect(pageText(html)).toContain("Continue with GitHub");
    }
  });
});

describe("an email that already has an account", () => {
  async function localUser(verified: boolean) {
    const user = await registerUser(world.app);
    if (verified) await db().update(users).set({ emailVerified: true }).where(eq(users.id, user.id));
    return user;
  }

  test("both sides verified: the identity is linked to the existing account automatically", async () => {
    const local = await localUser(true);
    const login = providerAccount("google", { email: local.email });
    const browser = new FetchBrowser();
    const page = await roundTrip(browser, world.app, "/oauth/google/start", { login });
    expect(page.url).toBe(`${world.app.url}/dashboard`);
    expect(pageText(page.html)).toContain(`Hello, ${local.username}`);
    const linked = await db().select().from(oauthAccounts).where(eq(oauthAccounts.userId, local.id));
    expect(linked.map((row) => row.provider)).toEqual(["google"]);
    expect(await auditActions(local.id)).toContain("oauth_linked");
  });

  for (const [provider, local] of [
    [true, false],
    [false, true],
    [false, false],
  ] as const) {
    test(`provider ${provider ? "verified" : "unverified"}, Cobalt ${local ? "verified" : "unverified"}: no link, the page says to sign in and link`, async () => {
      const existing = await localUser(local);
      const login = providerAccount("acme", { email: existing.email.toUpperCase(), email_verified: provider });
      const before = await userCount();
      const page = await roundTrip(new FetchBrowser(), world.app, "/oauth/acme/start", { login });
      const text = expectFailurePage(page, 409, "You already have an account");
      expect(text).toContain("link Acme SSO from your account page");
      expect(await userCount()).toBe(before);
      expect(await db().select().from(oauthAccounts).where(eq(oauthAccounts.userId, existing.id))).toEqual([]);
      expect(await lastFailure()).toEqual({ provider: "acme", reason: "email_in_use" });
    });
  }
});

describe("linking and unlinking", () => {
  async function signedUpWithGoogle() {
    const login = providerAccount("google");
    const browser = new FetchBrowser();
    await roundTrip(browser, world.app, "/oauth/google/start", { login });
    return { browser, login, user: (await userByEmail(`${login}@example.com`))! };
  }

  test("a signed-in user links another provider from the account page, then signs in with it", async () => {
    const { browser, user } = await signedUpWithGoogle();
    const acmeLogin = providerAccount("acme", { email: "someone-else@example.com" });
    const page = await roundTrip(browser, world.app, "/oauth/acme/start?link=1", { login: acmeLogin });
    expect(page.url).toBe(`${world.app.url}/dashboard?notice=linked#identities`);
    expect(pageText(page.html)).toContain("Linked. You can now sign in with that account too.");
    expect((await identities(browser)).body.identities.map((identity) => identity.provider)).toEqual(["google", "acme"]);

    const other = new FetchBrowser();
    const signIn = await roundTrip(other, world.app, "/oauth/acme/start", { login: acmeLogin });
    expect(pageText(signIn.html)).toContain(`Hello, ${user.username}`);
  });

  test("linking while signed out asks to sign in first, and comes back to the link", async () => {
    const response = await world.app.fetch("/oauth/acme/start?link=1", { headers: { accept: "text/html" } });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/oauth/acme/start?link=1")}`);
  });

  test("a link finished after the browser signed out is refused, and links nothing", async () => {
    const { browser, user } = await signedUpWithGoogle();
    const callback = await roundTrip(browser, world.app, "/oauth/acme/start?link=1", { login: providerAccount("acme"), stopAtCallback: true });
    for (const name of ["access_token", "refresh_token"]) browser.jars.get(new URL(world.app.url).host)!.delete(name);
    expectFailurePage(await browser.visit(callback.url), 400, "Your session changed");
    expect((await db().select().from(oauthAccounts).where(eq(oauthAccounts.userId, user.id))).map((row) => row.provider)).toEqual(["google"]);
  });

  test("an identity that belongs to another account is refused, never moved", async () => {
    const first = await signedUpWithGoogle();
    const second = await signedUpWithGoogle();
    second.browser.forget(world.google.issuer); // sign out at the provider, then in as the first person
    const page = await roundTrip(second.browser, world.app, "/oauth/google/start?link=1", { login: first.login });
    expectFailurePage(page, 409, "This Google account is linked elsewhere");
    const owner = await db().select().from(oauthAccounts).where(and(eq(oauthAccounts.provider, "google"), eq(oauthAccounts.providerAccountId, first.login)));
    expect(owner.map((row) => row.userId)).toEqual([first.user.id]);
  });

  test("the last way to sign in cannot be unlinked (409 last_sign_in_method); another can", async () => {
    const { browser } = await signedUpWithGoogle();
    const [google] = (await identities(browser)).body.identities;
    expectError(await world.app.json("DELETE", `/api/v1/auth/identities/${google!.id}`, undefined, bearer(accessToken(browser))), 409, "last_sign_in_method");

    await roundTrip(browser, world.app, "/oauth/acme/start?link=1", { login: providerAccount("acme") });
    const removed = await world.app.json("DELETE", `/api/v1/auth/identities/${google!.id}`, undefined, bearer(accessToken(browser)));
    expect(removed.status).toBe(204);
    const left = (await identities(browser)).body.identities;
    expect(left.map((identity) => identity.provider)).toEqual(["acme"]);
    expectError(await world.app.json("DELETE", `/api/v1/auth/identities/${left[0]!.id}`, undefined, bearer(accessToken(browser))), 409, "last_sign_in_method");
  });

  test("an admin sees a user's linked identities on the user's page", async () => {
    const { user, login } = await signedUpWithGoogle();
    const admin = await registerAdmin(world.app);
    const html = await (await world.app.fetch(`/admin/users/${user.id}`, { headers: { accept: "text/html", cookie: `access_token=${admin.accessToken}` } })).text();
    const text = pageText(html);
    expect(text).toContain("Linked identities");
    expect(text).toContain(`Google ${login}@example.com id ${login}`);
  });

  test("an account with a password can unlink its only identity; nobody can unlink someone else's", async () => {
    const local = await registerUser(world.app);
    await db().update(users).set({ emailVerified: true }).where(eq(users.id, local.id));
    const browser = new FetchBrowser();
    await roundTrip(browser, world.app, "/oauth/google/start", { login: providerAccount("google", { email: local.email }) });
    const [identity] = (await identities(browser)).body.identities;
    const stranger = await registerUser(world.app);
    expectError(await world.app.json("DELETE", `/api/v1/auth/identities/${identity!.id}`, undefined, bearer(stranger.accessToken)), 404, "not_found");
    expect((await world.app.json("DELETE", `/api/v1/auth/identities/${identity!.id}`, undefined, bearer(local.accessToken))).status).toBe(204);
  });

  test("two unlinks at once of a passwordless account's two identities: exactly one succeeds", async () => {
    for (let round = 0; round < 8; round++) {
      const { username, email } = uniqueUser("race");
      const [user] = await db().insert(users).values({ username, email, passwordHash: null }).returning();
      const rows = await db()
        .insert(oauthAccounts)
        .values([
          { provider: "google", providerAccountId: `g-${username}`, userId: user!.id },
          { provider: "acme", providerAccountId: `a-${username}`, userId: user!.id },
        ])
        .returning();
      const [session] = await db().insert(sessions).values({ userId: user!.id, tokenHash: `h-${username}`, expiresAt: new Date(Date.now() + 60_000) }).returning();
      const { token } = await issueAccessToken(world.app.deps, user!, session!);
      const results = await Promise.all(rows.map((row) => world.app.json("DELETE", `/api/v1/auth/identities/${row.id}`, undefined, bearer(token))));
      expect(results.map((result) => result.status).sort()).toEqual([204, 409]);
      expect(await db().select().from(oauthAccounts).where(eq(oauthAccounts.userId, user!.id))).toHaveLength(1);
    }
  });
});

describe("round trips that go wrong", () => {
  test("consent denied at the provider: a friendly page, audited, no account", async () => {
    const login = providerAccount("google");
    const before = await userCount();
    const page = await roundTrip(new FetchBrowser(), world.app, "/oauth/google/start", { login, deny: true });
    expectFailurePage(page, 403, "Sign-in cancelled");
    expect(await userCount()).toBe(before);
    expect(await lastFailure()).toEqual({ provider: "google", reason: "denied" });
  });

  test("a replayed callback is refused, with or without the state cookie, and signs nobody in twice", async () => {
    const login = providerAccount("google");
    const browser = new FetchBrowser();
    const callback = await roundTrip(browser, world.app, "/oauth/google/start", { login, stopAtCallback: true });
    const state = browser.cookie(world.app.url, "oauth_state")!;
    expect((await browser.visit(callback.url)).url).toBe(`${world.app.url}/dashboard`);
    const user = (await userByEmail(`${login}@example.com`))!;

    // The app removed the cookie: the same browser replaying is a mismatch.
    expectFailurePage(await browser.visit(callback.url), 400, "This sign-in did not start here");
    // Someone holding the cookie too: the attempt is already used.
    const attacker = new FetchBrowser();
    attacker.setCookie(world.app.url, "oauth_state", state);
    expectFailurePage(await attacker.visit(callback.url), 400, "This sign-in has expired");
    expect(await db().select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(1);
  });

  test("a callback carried to another browser (login CSRF) does not match its state cookie", async () => {
    const victim = new FetchBrowser();
    await victim.visit(`${world.app.url}/oauth/google/start`, { stopAt: () => true });
    const attacker = new FetchBrowser();
    const callback = await roundTrip(attacker, world.app, "/oauth/google/start", { login: providerAccount("google"), stopAtCallback: true });
    const before = await userCount();
    expectFailurePage(await victim.visit(callback.url), 400, "This sign-in did not start here");
    expect(victim.cookie(world.app.url, "access_token")).toBeUndefined();
    expect(await userCount()).toBe(before);
    expect(await lastFailure()).toEqual({ provider: "google", reason: "state_mismatch" });
  });

  const tampered = {
    "a wrong nonce": (claims: Record<string, unknown>, sign: (c: Record<string, unknown>) => string) => sign({ ...claims, nonce: "not-the-nonce-we-sent" }),
    "another audience": (claims: Record<string, unknown>, sign: (c: Record<string, unknown>) => string) => sign({ ...claims, aud: "some-other-client" }),
    "an expired token": (claims: Record<string, unknown>, sign: (c: Record<string, unknown>) => string) => sign({ ...claims, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }),
    "a signature by another key": (claims: Record<string, unknown>, sign: (c: Record<string, unknown>, key?: ReturnType<typeof foreignKey>) => string) => sign(claims, foreignKey()),
  };
  for (const [name, tamper] of Object.entries(tampered)) {
    test(`an ID token with ${name} is refused: a friendly page, no account, no session`, async () => {
      const login = providerAccount("google");
      world.google.tamperIdToken = tamper;
      try {
        const browser = new FetchBrowser();
        const page = await roundTrip(browser, world.app, "/oauth/google/start", { login });
        expectFailurePage(page, 400, "The sign-in could not be verified");
        expect(browser.cookie(world.app.url, "access_token")).toBeUndefined();
      } finally {
        world.google.tamperIdToken = null;
      }
      expect(await userByEmail(`${login}@example.com`)).toBeUndefined();
      expect(await lastFailure()).toEqual({ provider: "google", reason: "invalid_response" });
    });
  }

  test("the untampered token from the same provider still works afterwards", async () => {
    const page = await roundTrip(new FetchBrowser(), world.app, "/oauth/google/start", { login: providerAccount("google") });
    expect(page.url).toBe(`${world.app.url}/dashboard`);
  });

  test("a provider that is not configured is a 404 page, not an error", async () => {
    const response = await world.app.fetch("/oauth/facebook/start", { headers: { accept: "text/html" } });
    expect(response.status).toBe(404);
    expect(pageText(await response.text())).toContain("Unknown sign-in provider");
  });

  test("a disabled account cannot sign in through its identity", async () => {
    const login = providerAccount("google");
    await roundTrip(new FetchBrowser(), world.app, "/oauth/google/start", { login });
    await db().update(users).set({ disabledAt: new Date() }).where(eq(users.email, `${login}@example.com`));
    const browser = new FetchBrowser();
    expectFailurePage(await roundTrip(browser, world.app, "/oauth/google/start", { login }), 403, "Account disabled");
    expect(browser.cookie(world.app.url, "access_token")).toBeUndefined();
  });

  test("operators see outcomes and failures by provider and reason in /metrics", async () => {
    const text = await (await world.app.fetch("/metrics")).text();
    expect(text).toMatch(/cobalt_oauth_events_total\{provider="google",event="signup"\} [1-9]/);
    expect(text).toMatch(/cobalt_oauth_failures_total\{provider="google",reason="invalid_response"\} [1-9]/);
  });
});
