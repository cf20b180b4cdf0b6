import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, login, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { latestTokenFor } from "./helpers/mail";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";

// Links mailed to a user (reset, verification) must not outlive the account changes that
// should end them: a password change, a disable, a delete.
let app: TestApp;
let admin: RegisteredUser;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
  admin = await registerAdmin(app);
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

async function resetLink(user: RegisteredUser): Promise<string> {
  expect((await app.json("POST", "/api/v1/auth/forgot-password", { email: user.email })).status).toBe(202);
  return latestTokenFor(app, user.email, "/reset-password");
}

const reset = (token: string, password: string) => app.json("POST", "/api/v1/auth/reset-password", { token, password });
const verify = (token: string) => app.json<{ code: string }>("POST", "/api/v1/auth/verify-email", { token });

describe(`one-time links and account changes (${backendName()})`, () => {
  test("a reset link mailed before a password change cannot undo the change", async () => {
    const user = await registerUser(app);
    const token = await resetLink(user);
    const changed = await app.json("POST", "/api/v1/auth/change-password", { current_password: user.password, new_password: "the new secret phrase" }, bearer(user.accessToken));
    expect(changed.status).toBe(200);
    expectError(await reset(token, "an attacker's phrase"), 400, "invalid_token");
    expect((await login(app, user.username, "the new secret phrase")).status).toBe(200);
    expect((await login(app, user.username, "an attacker's phrase")).status).toBe(401);
  });

  test("a disabled account's reset and verification links are refused, and stay void after it is enabled again", async () => {
    const user = await registerUser(app);
    const verification = await latestTokenFor(app, user.email, "/verify-email");
    const token = await resetLink(user);
    expect((await app.json("PATCH", `/api/v1/admin/users/${user.id}/disable`, undefined, bearer(admin.accessToken))).status).toBe(200);

    const whileDisabled = await reset(token, "set while disabled");
    expect(whileDisabled.status).toBeGreaterThanOrEqual(400);
    expect(whileDisabled.status).toBeLessThan(500);
    const verifiedWhileDisabled = await verify(verification);
    expect(verifiedWhileDisabled.status).toBeGreaterThanOrEqual(400);
    expect(verifiedWhileDisabled.status).toBeLessThan(500);

    expect((await app.json("PATCH", `/api/v1/admin/users/${user.id}/enable`, undefined, bearer(admin.accessToken))).status).toBe(200);
    expectError(await reset(token, "set after enable"), 400, "invalid_token");
    expectError(await verify(verification), 400, "invalid_token");
    const signIn = await login(app, user.username, user.password);
    expect(signIn.status).toBe(200);
    expect(signIn.body.user.email_verified).toBe(false);
  });

  test("a deleted account's links are gone with it", async () => {
    const user = await registerUser(app);
    const verification = await latestTokenFor(app, user.email, "/verify-email");
    const token = await resetLink(user);
    expect((await app.json("DELETE", `/api/v1/admin/users/${user.id}`, undefined, bearer(admin.accessToken))).status).toBe(204);
    expectError(await reset(token, "set after delete"), 400, "invalid_token");
    expectError(await verify(verification), 400, "invalid_token");
  });

  test("a forged reset token is refused before any Argon2 work", async () => {
    const hash = spyOn(Bun.password, "hash");
    const check = spyOn(Bun.password, "verify");
    try {
      const refused = await reset("forged-token-that-was-never-issued-0123456789", "a perfectly good phrase");
      expectError(refused, 400, "invalid_token");
      expect(hash).not.toHaveBeenCalled();
      expect(check).not.toHaveBeenCalled();
    } finally {
      hash.mockRestore();
      check.mockRestore();
    }
  });
});
