/**
 * Social sign-in with GitHub, against a GitHub-shaped fake (authorize page, token endpoint,
 * /user, /user/emails): only a primary, verified address counts; a GitHub that hangs or answers
 * nonsense ends on a friendly page within the configured timeout, with nothing created.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import { auditLog, oauthAccounts, users } from "../src/db/schema";
import { START_TIMEOUT_MS } from "./helpers/auth";
import { startTestApp, type TestApp } from "./helpers/app";
import { FetchBrowser, freePort, type OAuthWorld, oauthEnv, pageText, roundTrip, startOAuthWorld } from "./helpers/oauth";
import { registerUser } from "./helpers/users";

let world: OAuthWorld;
beforeAll(async () => {
  world = await startOAuthWorld();
}, START_TIMEOUT_MS);
afterAll(async () => {
  await world?.stop();
});

const db = () => world.app.deps.database.db;
let nextId = 1000;

type Emails = { email: string; primary: boolean; verified: boolean }[];

function githubAccount(emails: Emails | ((login: string) => Emails) = (login) => [{ email: `${login}@example.com`, primary: true, verified: true }]) {
  nextId += 1;
  const login = `octo${nextId}`;
  const list = typeof emails === "function" ? emails(login) : emails;
  world.github.accounts.set(login, { id: nextId, login, emails: list });
  return { login, id: nextId };
}

async function userCount(db: TestApp["deps"]["database"]["db"]): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row!.n;
}

async function lastFailure(app: TestApp) {
  const [row] = await app.deps.database.db.select().from(auditLog).where(eq(auditLog.action, "oauth_failed")).orderBy(sql`${auditLog.createdAt} desc`).limit(1);
  return row?.details;
}

describe("GitHub", () => {
  test("a new person signs up with their primary verified email and GitHub login, then signs in again", async () => {
    const { login, id } = githubAccount((login) => [
      { email: "old@example.org", primary: false, verified: true },
      { email: `${login}@example.com`, primary: true, verified: true },
    ]);
    const browser = new FetchBrowser();
    const page = await roundTrip(browser, world.app, "/oauth/github/start", { login });
    expect(page.url).toBe(`${world.app.url}/dashboard`);
    const [user] = await db().select().from(users).where(eq(users.username, login));
    expect(user).toMatchObject({ email: `octo${id}@example.com`, emailVerified: true, passwordHash: null });
    const identities = await db().select().from(oauthAccounts).where(eq(oauthAccounts.userId, user!.id));
    expect(identities.map((row) => [row.provider, row.providerAccountId])).toEqual([["github", String(id)]]);

    const before = await userCount(db());
    const again = await roundTrip(new FetchBrowser(), world.app, "/oauth/github/start", { login });
    expect(pageText(again.html)).toContain(`Hello, ${login}`);
    expect(await userCount(db())).toBe(before);
  });

  test("the state cookie is HttpOnly and SameSite=Lax, and the button is a plain link to the start", async () => {
    const response = await world.app.fetch("/oauth/github/start", { headers: { accept: "text/html" } });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(location.origin).toBe(world.github.url);
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(location.searchParams.get("scope")).toContain("user:email");
    expect(location.searchParams.get("redirect_uri")).toBe(`${world.app.url}/oauth/github/callback`);
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith("oauth_state="))!;
    expect(cookie).toContain(location.searchParams.get("state")!);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const html = await (await world.app.fetch("/login", { headers: { accept: "text/html" } })).text();
    expect(html).toMatch(/<a href="\/oauth\/github\/start"[^>]*hx-boost="false"/);
  });

  test("a primary address GitHub has not verified is refused, even if another one is verified", async () => {
    const { login } = githubAccount([
      { email: "primary-unverified@example.com", primary: true, verified: false },
      { email: "secondary@example.com", primary: false, verified: true },
    ]);
    const before = await userCount(db());
    const page = await roundTrip(new FetchBrowser(), world.app, "/oauth/github/start", { login });
    expect(page.status).toBe(400);
    expect(pageText(page.html)).toContain("Verify your email at GitHub first");
    expect(await userCount(db())).toBe(before);
    expect(await lastFailure(world.app)).toEqual({ provider: "github", reason: "email_unverified" });
  });

  test("an unverified primary address is not linked to the verified account that owns it", async () => {
    const local = await registerUser(world.app);
    await db().update(users).set({ emailVerified: true }).where(eq(users.id, local.id));
    const { login } = githubAccount([{ email: local.email, primary: true, verified: false }]);
    const page = await roundTrip(new FetchBrowser(), world.app, "/oauth/github/start", { login });
    expect(page.status).toBe(400);
    expect(await db().select().from(oauthAccounts).where(eq(oauthAccounts.userId, local.id))).toEqual([]);
  });

  test("cancelling on GitHub's page ends on the cancelled page", async () => {
    const { login } = githubAccount();
    const page = await roundTrip(new FetchBrowser(), world.app, "/oauth/github/start", { login, deny: true });
    expect(page.status).toBe(403);
    expect(pageText(page.html)).toContain("Sign-in cancelled");
  });

  const malformed = {
    "an HTML error page": () => new Response("<html>Whoops</html>", { headers: { "content-type": "text/html" } }),
    "JSON without an access token": () => Response.json({ token_type: "bearer" }),
    "GitHub's 200 + error body": () => Response.json({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." }),
  };
  for (const [name, respond] of Object.entries(malformed)) {
    test(`a token response that is ${name} ends on a friendly page with nothing created`, async () => {
      const { login } = githubAccount();
      world.github.tokenOverride = respond;
      const before = await userCount(db());
      try {
        const page = await roundTrip(new FetchBrowser(), world.app, "/oauth/github/start", { login });
        expect(page.status).toBeGreaterThanOrEqual(400);
        expect(page.status).toBeLessThan(500);
        expect(pageText(page.html)).toMatch(/Request id \S+/);
      } finally {
        world.github.tokenOverride = null;
      }
      expect(await userCount(db())).toBe(before);
    });
  }
});

describe("a provider that does not answer", () => {
  let slow: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    slow = await startTestApp({ port, env: { ...oauthEnv(world.google, world.acme, world.github), APP_URL: `http://127.0.0.1:${port}`, OAUTH_TIMEOUT_SECONDS: "0.3", RATE_LIMIT_LOGIN: "4/600" } });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    world.github.hangToken = false;
    world.acme.hang = false;
    await slow?.stop();
  });

  test("GitHub's token endpoint hanging: the friendly page comes after the bounded timeout", async () => {
    const { login } = githubAccount();
    world.github.hangToken = true;
    const browser = new FetchBrowser();
    const page = await roundTrip(browser, slow, "/oauth/github/start", { login });
    world.github.hangToken = false;
    expect(page.status).toBe(400);
    expect(pageText(page.html)).toContain("GitHub is not answering");
    expect(browser.cookie(slow.url, "access_token")).toBeUndefined();
    expect(await lastFailure(slow)).toEqual({ provider: "github", reason: "provider_unavailable" });
  });

  test("an OpenID issuer whose discovery hangs: the start ends on the friendly page", async () => {
    world.acme.hang = true;
    const response = await slow.fetch("/oauth/acme/start", { headers: { accept: "text/html" } });
    world.acme.hang = false;
    expect(response.status).toBe(400);
    expect(pageText(await response.text())).toContain("Acme SSO is not answering");
    expect(await lastFailure(slow)).toEqual({ provider: "acme", reason: "provider_unavailable" });
  });

  test("starting round trips is throttled per IP like sign-in: a burst ends on the slow-down page", async () => {
    // Two of this app's four starts went to the tests above.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await slow.fetch("/oauth/github/start", { headers: { accept: "text/html" } })).status);
    expect(statuses).toEqual([302, 302, 429]);
  });
});
