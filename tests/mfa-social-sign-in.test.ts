/** Social sign-in to an account with a second factor goes through the same step: no session until the code. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { and, eq, isNull, sql } from "drizzle-orm";
import { auditLog, sessions, users } from "../src/db/schema";
import { totpCode } from "../src/modules/mfa/totp";
import { START_TIMEOUT_MS } from "./helpers/auth";
import { enrolTotp } from "./helpers/mfa";
import { FetchBrowser, type OAuthWorld, pageText, roundTrip, startOAuthWorld } from "./helpers/oauth";

let world: OAuthWorld;
beforeAll(async () => {
  world = await startOAuthWorld();
}, START_TIMEOUT_MS);
afterAll(async () => {
  await world?.stop();
});

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";

test("a Google sign-in to an account with an authenticator app stops at /login/mfa and needs the code", async () => {
  const login = `mfa${crypto.randomUUID().slice(0, 8)}`;
  world.google.accounts.set(login, { email: `${login}@example.com`, email_verified: true, preferred_username: login });
  const app = world.app;
  // Sign up through Google, then turn on the app on that fresh (recent) session.
  const signup = new FetchBrowser();
  expect((await roundTrip(signup, app, "/oauth/google/start", { login })).url).toBe(`${app.url}/dashboard`);
  const { seed } = await enrolTotp(app, { accessToken: signup.cookie(app.url, "access_token")! });
  const [user] = await app.deps.database.db.select().from(users).where(sql`lower(${users.email}) = ${`${login}@example.com`}`);
  const liveSessions = async () => (await app.deps.database.db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.userId, user!.id), isNull(sessions.revokedAt)))).length;
  const before = await liveSessions();

  const browser = new FetchBrowser();
  const step = await roundTrip(browser, app, "/oauth/google/start", { login });
  expect(new URL(step.url).pathname).toBe("/login/mfa");
  expect(pageText(step.html)).toContain("Two-step verification");
  expect(browser.cookie(app.url, "access_token")).toBeUndefined();
  expect(browser.cookie(app.url, "mfa_token")).toBeDefined();
  expect(await liveSessions()).toBe(before);

  // The code of the next step: the one of enrolment cannot be used again, ±1 step is accepted.
  const wrong = await browser.visit(`${app.url}/login/mfa`, { form: { _csrf: csrfOf(step.html), method: "totp", code: "000000" } });
  expect(wrong.status).toBe(401);
  expect(browser.cookie(app.url, "access_token")).toBeUndefined();
  const done = await browser.visit(`${app.url}/login/mfa`, { form: { _csrf: csrfOf(wrong.html), method: "totp", code: totpCode(seed, Date.now() + 30_000) } });
  expect(done.url).toBe(`${app.url}/dashboard`);
  expect(pageText(done.html)).toContain(`Hello, ${login}`);
  expect(browser.cookie(app.url, "access_token")).toBeDefined();
  expect(await liveSessions()).toBe(before + 1);
  const [event] = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, user!.id), eq(auditLog.action, "oauth_login"))).orderBy(sql`${auditLog.createdAt} desc`).limit(1);
  expect(event!.details).toMatchObject({ provider: "google", mfa: "totp" });
});
