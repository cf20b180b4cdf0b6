import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ManualClock } from "../src/clock";
import { startTestApp, type TestApp } from "./helpers/app";
import { login, me, RELAXED_LIMITS, refresh, START_TIMEOUT_MS, withCookie } from "./helpers/auth";
import { latestTokenFor } from "./helpers/mail";
import { bearer, registerUser } from "./helpers/users";

let app: TestApp;
const logLines: string[] = [];
const clock = new ManualClock();

beforeAll(async () => {
  app = await startTestApp({ clock, logLines, env: { ...RELAXED_LIMITS, LOG_LEVEL: "debug" } });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

describe("logs", () => {
  test("never contain passwords, access tokens or refresh tokens", async () => {
    const secrets: string[] = [];
    const user = await registerUser(app);
    secrets.push(user.password, user.accessToken, user.refreshToken);

    const wrongPassword = "a wrong password 7Hq2";
    secrets.push(wrongPassword);
    expect((await login(app, user.username, wrongPassword)).status).toBe(401);
    expect((await login(app, `nobody-${crypto.randomUUID()}`, wrongPassword)).status).toBe(401);

    const signedIn = await login(app, user.email, user.password, { "user-agent": "LogTest/1.0" });
    expect(signedIn.status).toBe(200);
    secrets.push(signedIn.body.access_token, signedIn.refreshToken!);

    const rotated = await refresh(app, signedIn.refreshToken!);
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.access_token, rotated.refreshToken!);
    // Refresh by body too, then a reuse after the grace window (logged as a warning).
    const byBody = await refresh(app, rotated.refreshToken!, "body");
    expect(byBody.status).toBe(200);
    secrets.push(byBody.body.access_token, byBody.refreshToken!);
    clock.advance(11_000);
    expect((await refresh(app, rotated.refreshToken!)).status).toBe(401);

    expect((await me(app, user.accessToken)).status).toBe(200);
    expect((await me(app, "invalid.jwt.token")).status).toBe(401);
    expect((await app.json("GET", "/api/v1/auth/me", undefined, withCookie("access_token", user.accessToken))).status).toBe(200);

    const logout = await app.fetch("/api/v1/auth/logout", { method: "POST", headers: { ...bearer(user.accessToken), ...withCookie("refresh_token", user.refreshToken) } });
    expect(logout.status).toBe(204);
    // A refused, already-revoked token must not be logged either.
    expect((await me(app, user.accessToken)).status).toBe(401);

    await app.deps.background.settled();
    const text = logLines.join("\n");
    // The capture works: there is one line per request at least.
    expect(logLines.length).toBeGreaterThanOrEqual(10);
    expect(text).toContain("/auth/login");
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(8);
      expect(text.includes(secret) ? `log contains ${secret.slice(0, 12)}…` : "clean").toBe("clean");
    }
    // Nor a URL-encoded or JSON-escaped form of the password.
    expect(text).not.toContain(encodeURIComponent(user.password));
    expect(text).not.toContain(JSON.stringify(user.password).slice(1, -1));
    // Nor any JWT at all (three base64url segments starting with the JSON header's encoding).
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  });

  test("never contain reset or verification tokens, or new passwords", async () => {
    const user = await registerUser(app);
    const verifyToken = await latestTokenFor(app, user.email, "/verify-email");
    expect((await app.json("POST", "/api/v1/auth/verify-email", { token: verifyToken })).status).toBe(200);
    expect((await app.json("POST", "/api/v1/auth/forgot-password", { email: user.email })).status).toBe(202);
    const resetToken = await latestTokenFor(app, user.email, "/reset-password");
    const newPassword = "the reset passphrase 41";
    expect((await app.json("POST", "/api/v1/auth/reset-password", { token: resetToken, password: newPassword })).status).toBe(200);
    const signedIn = await login(app, user.username, newPassword);
    const changed = "the changed passphrase 42";
    expect((await app.json("POST", "/api/v1/auth/change-password", { current_password: newPassword, new_password: changed }, bearer(signedIn.body.access_token))).status).toBe(200);
    // A reset page link opened in a browser puts the token in the query string: not logged either.
    await app.fetch(`/reset-password?token=${encodeURIComponent(resetToken)}`);

    await app.deps.background.settled();
    const text = logLines.join("\n");
    for (const secret of [verifyToken, resetToken, newPassword, changed, signedIn.body.access_token]) {
      expect(text.includes(secret) ? `log contains ${secret.slice(0, 12)}…` : "clean").toBe("clean");
    }
  });
});
