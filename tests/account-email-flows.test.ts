import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { oneTimeTokens } from "../src/db/schema";
import { startTestApp, type TestApp } from "./helpers/app";
import { latestTokenFor, outbox } from "./helpers/mail";
import { bearer, registerUser } from "./helpers/users";

let app: TestApp;
const clock = new ManualClock();

beforeAll(async () => {
  app = await startTestApp({ clock, env: { RATE_LIMIT_EMAIL: "100/900", RATE_LIMIT_REGISTER: "off", RATE_LIMIT_LOGIN: "off", ALLOWED_HOSTS: "127.0.0.1,alias.example" } });
});
afterAll(() => app.stop());

describe("email verification", () => {
  test("sign-up mails a link from APP_URL that verifies the address once", async () => {
    const user = await registerUser(app);
    const message = (await outbox(app)).find((m) => m.to === user.email)!;
    expect(message.subject).toContain("Confirm");
    expect(message.text).toContain("http://localhost:3000/verify-email?token=");
    expect(message.html).toContain("http://localhost:3000/verify-email?token=");
    const token = await latestTokenFor(app, user.email, "/verify-email");

    const verified = await app.json("POST", "/api/v1/auth/verify-email", { token });
    expect(verified.status).toBe(200);
    const me = await app.json<{ email_verified: boolean }>("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken));
    expect(me.body.email_verified).toBe(true);

    const again = await app.json<{ code: string }>("POST", "/api/v1/auth/verify-email", { token });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe("invalid_token");
  });

  test("the Host header of the request never reaches the link, even an allowed one", async () => {
    const response = await app.fetch("/api/v1/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json", host: "alias.example" },
      body: JSON.stringify({ username: `host${Date.now()}`, email: `host${Date.now()}@example.com`, password: "a fine long password" }),
    });
    expect(response.status).toBe(201);
    const [latest] = await outbox(app);
    expect(latest!.text).not.toContain("alias.example");
  });

  test("an expired verification link answers expired_token", async () => {
    const user = await registerUser(app);
    const token = await latestTokenFor(app, user.email, "/verify-email");
    clock.advance(24 * 3600 * 1000 + 1000);
    const response = await app.json<{ code: string }>("POST", "/api/v1/auth/verify-email", { token });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe("expired_token");
  });

  test("asking again voids the older link, and is throttled to one a minute", async () => {
    const user = await registerUser(app);
    const first = await latestTokenFor(app, user.email, "/verify-email");
    clock.advance(61_000);
    const resend = await app.json("POST", "/api/v1/auth/send-verification", undefined, bearer((await relogin(user)).access_token));
    expect(resend.status).toBe(202);
    const second = await latestTokenFor(app, user.email, "/verify-email");
    expect(second).not.toBe(first);

    const old = await app.json<{ code: string }>("POST", "/api/v1/auth/verify-email", { token: first });
    expect(old.status).toBe(400);
    const tooSoon = await app.json<{ code: string }>("POST", "/api/v1/auth/send-verification", undefined, bearer((await relogin(user)).access_token));
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.code).toBe("rate_limited");
    expect((await app.json("POST", "/api/v1/auth/verify-email", { token: second })).status).toBe(200);
  });

  test("a verified user asking again gets already_verified", async () => {
    const user = await registerUser(app);
    await app.json("POST", "/api/v1/auth/verify-email", { token: await latestTokenFor(app, user.email, "/verify-email") });
    const response = await app.json<{ code: string }>("POST", "/api/v1/auth/send-verification", undefined, bearer(user.accessToken));
    expect(response.status).toBe(400);
    expect(response.body.code).toBe("already_verified");
  });

  test("a made-up token is refused", async () => {
    const response = await app.json<{ code: string }>("POST", "/api/v1/auth/verify-email", { token: "not-a-real-token" });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe("invalid_token");
  });
});

async function relogin(user: { username: string; password: string }) {
  const response = await app.json<{ access_token: string }>("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password });
  expect(response.status).toBe(200);
  return response.body;
}

describe("password reset", () => {
  test("forgot-password answers the same for known and unknown addresses", async () => {
    const user = await registerUser(app);
    const known = await app.json<Record<string, unknown>>("POST", "/api/v1/auth/forgot-password", { email: user.email.toUpperCase() });
    const unknown = await app.json<Record<string, unknown>>("POST", "/api/v1/auth/forgot-password", { email: "nobody-here@example.com" });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    const { request_id: _a, ...knownBody } = known.body;
    const { request_id: _b, ...unknownBody } = unknown.body;
    expect(knownBody).toEqual(unknownBody);
    const mails = await outbox(app);
    expect(mails.some((m) => m.to === user.email && m.subject.includes("Reset"))).toBe(true);
    expect(mails.some((m) => m.to === "nobody-here@example.com")).toBe(false);
  });

  test("reset sets the password, ends every session, notifies, and does not sign in", async () => {
    const user = await registerUser(app);
    await app.json("POST", "/api/v1/auth/forgot-password", { email: user.email });
    const token = await latestTokenFor(app, user.email, "/reset-password");
    const reset = await app.json<Record<string, unknown>>("POST", "/api/v1/auth/reset-password", { token, password: "a brand new passphrase" });
    expect(reset.status).toBe(200);
    expect(reset.body.access_token).toBeUndefined();
    expect(reset.headers.getSetCookie()).toEqual([]);

    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(401);
    const refresh = await app.fetch("/api/v1/auth/refresh", { method: "POST", headers: { cookie: `refresh_token=${user.refreshToken}` } });
    expect(refresh.status).toBe(401);
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: user.email, password: user.password })).status).toBe(401);
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: user.email, password: "a brand new passphrase" })).status).toBe(200);
    expect((await outbox(app)).some((m) => m.to === user.email && m.subject === "Your password was changed")).toBe(true);

    const reused = await app.json<{ code: string }>("POST", "/api/v1/auth/reset-password", { token, password: "yet another passphrase" });
    expect(reused.status).toBe(400);
  });

  test("a reset link expires after an hour, and a newer one voids it", async () => {
    const user = await registerUser(app);
    await app.json("POST", "/api/v1/auth/forgot-password", { email: user.email });
    const first = await latestTokenFor(app, user.email, "/reset-password");
    await app.json("POST", "/api/v1/auth/forgot-password", { email: user.email });
    const second = await latestTokenFor(app, user.email, "/reset-password");
    expect(second).not.toBe(first);
    expect((await app.json("POST", "/api/v1/auth/reset-password", { token: first, password: "a brand new passphrase" })).status).toBe(400);

    clock.advance(3600 * 1000 + 1000);
    const expired = await app.json<{ code: string }>("POST", "/api/v1/auth/reset-password", { token: second, password: "a brand new passphrase" });
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe("expired_token");
  });

  test("the new password must pass the same rules as sign-up", async () => {
    const user = await registerUser(app);
    await app.json("POST", "/api/v1/auth/forgot-password", { email: user.email });
    const token = await latestTokenFor(app, user.email, "/reset-password");
    const weak = await app.json<{ code: string; details: { fields: Record<string, string> } }>("POST", "/api/v1/auth/reset-password", { token, password: "password1" });
    expect(weak.status).toBe(422);
    expect(weak.body.details.fields.password).toBeDefined();
    // The refused attempt did not use up the token.
    expect((await app.json("POST", "/api/v1/auth/reset-password", { token, password: "a brand new passphrase" })).status).toBe(200);
  });

  test("tokens are stored only as hashes", async () => {
    const user = await registerUser(app);
    const token = await latestTokenFor(app, user.email, "/verify-email");
    const rows = await app.deps.database.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.userId, user.id));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.tokenHash).not.toContain(token);
  });
});

describe("password change", () => {
  test("needs the current password, keeps this session and ends the others", async () => {
    const user = await registerUser(app);
    const other = await relogin(user);
    const wrong = await app.json<{ details: { fields: Record<string, string> } }>(
      "POST",
      "/api/v1/auth/change-password",
      { current_password: "not it at all", new_password: "a brand new passphrase" },
      bearer(user.accessToken),
    );
    expect(wrong.status).toBe(422);
    expect(wrong.body.details.fields.current_password).toBeDefined();

    const changed = await app.json("POST", "/api/v1/auth/change-password", { current_password: user.password, new_password: "a brand new passphrase" }, bearer(user.accessToken));
    expect(changed.status).toBe(200);
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status).toBe(200);
    expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(other.access_token))).status).toBe(401);
    expect((await outbox(app)).some((m) => m.to === user.email && m.subject === "Your password was changed")).toBe(true);
  });

  test("needs a signed-in caller", async () => {
    const response = await app.json("POST", "/api/v1/auth/change-password", { current_password: "x", new_password: "a brand new passphrase" });
    expect(response.status).toBe(401);
  });
});

describe("dev outbox", () => {
  test("lists messages newest first as JSON and as a page with the links", async () => {
    const user = await registerUser(app);
    await outbox(app);
    const json = await app.json<{ to: string; subject: string; text: string; html: string; created_at: string }[]>("GET", "/dev/outbox.json");
    expect(json.status).toBe(200);
    expect(json.body[0]!.to).toBe(user.email);
    expect(Object.keys(json.body[0]!)).toEqual(expect.arrayContaining(["to", "subject", "text", "html", "created_at"]));
    const page = await app.fetch("/dev/outbox");
    const html = await page.text();
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(html).toContain('href="http://localhost:3000/verify-email?token=');
  });

  test("does not exist in production", async () => {
    const production = await startTestApp({ env: { NODE_ENV: "production", ALLOWED_HOSTS: "127.0.0.1", JWT_SECRET: "Zq81#x!pL0v9sT2wZq81#x!pL0v9sT2w", ARGON2_MEMORY_KIB: "19456", ARGON2_TIME_COST: "2" } });
    try {
      expect((await production.fetch("/dev/outbox.json")).status).toBe(404);
      expect(production.deps.mailer.kind).toBe("none");
    } finally {
      await production.stop();
    }
  });
});
