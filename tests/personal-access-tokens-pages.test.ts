/** The "Tokens" card on the dashboard and a user's tokens on the admin user page, without a browser. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../src/db/schema";
import { updateUserRows } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { bearer } from "./helpers/users";
import { htmx, WebClient, signedUpClient } from "./e2e/web-client";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

async function signedUp(): Promise<{ client: WebClient; username: string }> {
  const { client, user } = await signedUpClient(app, "pat");
  return { client, username: user.username };
}

const tokenIn = (html: string) => /value="(cbt_[0-9A-Za-z]{49})"/.exec(html)?.[1];

test("the Tokens card creates a token shown once, lists it without the secret, and revokes it", async () => {
  const { client } = await signedUp();
  const dashboard = await client.get("/dashboard");
  expect(dashboard.text).toContain('id="tokens"');
  // Admin scopes are not offered to a user.
  expect(dashboard.text).toContain('name="scope_profile_read"');
  expect(dashboard.text).not.toContain('name="scope_admin_read"');

  const created = await client.post("/account/tokens", { name: "deploy script", scope_profile_read: "on", expires_in_days: "30" }, htmx);
  expect(created.headers.get("x-status") ?? String(created.status)).toBe("201");
  expect(created.text.startsWith('<div id="tokens"')).toBe(true);
  const token = tokenIn(created.text)!;
  expect(token).toBeDefined();
  expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(token))).status).toBe(200);

  const again = await client.get("/dashboard");
  expect(again.text).toContain("deploy script");
  expect(again.text).not.toContain(token);
  const revoke = /action="(\/account\/tokens\/[0-9a-f-]{36}\/revoke)"/.exec(again.text)?.[1];
  expect(revoke).toBeDefined();
  const revoked = await client.post(revoke!, {});
  expect(revoked.status).toBe(303);
  expect(revoked.location).toBe("/dashboard?notice=token-revoked");
  expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(token))).status).toBe(401);
});

test("a form without a scope or with an unoffered lifetime comes back with the error, and no token", async () => {
  const { client } = await signedUp();
  const noScope = await client.post("/account/tokens", { name: "x", expires_in_days: "30" }, htmx);
  expect(noScope.headers.get("x-status")).toBe("422");
  expect(tokenIn(noScope.text)).toBeUndefined();
  expect(noScope.text).toContain("Choose at least one scope");
  const badExpiry = await client.post("/account/tokens", { name: "x", scope_profile_read: "on", expires_in_days: "1000" }, htmx);
  expect(badExpiry.headers.get("x-status")).toBe("422");
  expect(tokenIn(badExpiry.text)).toBeUndefined();
});

test("the admin user page lists a user's tokens and revokes one", async () => {
  const owner = await signedUp();
  const created = await owner.client.post("/account/tokens", { name: "ci runner", scope_sessions_read: "on", expires_in_days: "7" }, htmx);
  const token = tokenIn(created.text)!;
  const [ownerRow] = await app.deps.database.db.select().from(users).where(eq(users.username, owner.username));

  const admin = await signedUp();
  await updateUserRows(app, eq(users.username, admin.username), { role: "admin" });
  const page = await admin.client.get(`/admin/users/${ownerRow!.id}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain("ci runner");
  expect(page.text).not.toContain(token);
  const revoke = new RegExp(`action="(/admin/users/${ownerRow!.id}/tokens/[0-9a-f-]{36}/revoke)"`).exec(page.text)?.[1];
  expect(revoke).toBeDefined();
  const revoked = await admin.client.post(revoke!, {});
  expect([200, 303]).toContain(revoked.status);
  expect((await app.json("GET", "/api/v1/auth/sessions", undefined, bearer(token))).status).toBe(401);
  // Another user cannot post to the admin action.
  expect((await owner.client.post(revoke!, {})).status).toBeGreaterThanOrEqual(400);
});
