/**
 * 409 `last_sign_in_method` (docs/passkeys.md): an account without a password or a linked
 * provider keeps its last passkey, over the API and on the passkeys page, also when two removals
 * of its last two passkeys race; with a password or a provider left, the last passkey goes. And
 * the other way round: a passkey is a way in, so the last provider can be unlinked beside it
 * (tests/oauth-oidc.test.ts has the providers-only cases).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { auditLog, oauthAccounts, passkeys, users } from "../src/db/schema";
import { updateUserRows } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { enrolPasskey } from "./helpers/mfa";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";
import { signedUpClient } from "./e2e/web-client";

const clock = new ManualClock();
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ clock, env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

/** As an account made through a provider and then given passkeys: no password. */
const dropPassword = (userId: string) => updateUserRows(app, eq(users.id, userId), { passwordHash: null });
const remove = (user: RegisteredUser, id: string) => app.json("DELETE", `/api/v1/auth/passkeys/${id}`, undefined, bearer(user.accessToken));
const passkeysOf = async (userId: string) => (await app.deps.database.db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, userId))).map((row) => row.id);
const removalsAudited = async (userId: string) => (await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.targetId, userId), eq(auditLog.action, "passkey_removed")))).length;

describe(`removing the last way to sign in (${backendName()})`, () => {
  test("a passwordless account's only passkey cannot be removed; with a second one, either goes and the other stays", async () => {
    const user = await registerUser(app);
    const first = await enrolPasskey(app, user.accessToken);
    await dropPassword(user.id);

    expectError(await remove(user, first.passkey.id), 409, "last_sign_in_method");
    expect(await passkeysOf(user.id)).toEqual([first.passkey.id]);
    expect(await removalsAudited(user.id)).toBe(0);

    const second = await enrolPasskey(app, user.accessToken);
    expect((await remove(user, first.passkey.id)).status).toBe(204);
    expectError(await remove(user, second.passkey.id), 409, "last_sign_in_method");
    expect(await passkeysOf(user.id)).toEqual([second.passkey.id]);
    expect(await removalsAudited(user.id)).toBe(1);
  });

  test("two removals of a passwordless account's last two passkeys at once: one passes, one is refused", async () => {
    const user = await registerUser(app);
    const keys = [await enrolPasskey(app, user.accessToken), await enrolPasskey(app, user.accessToken)];
    await dropPassword(user.id);
    const answers = await Promise.all(keys.map((key) => remove(user, key.passkey.id)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 409]);
    expect(await passkeysOf(user.id)).toHaveLength(1);
  });

  test("a linked provider or a password is a way in: then the last passkey can go", async () => {
    const linked = await registerUser(app);
    const { passkey } = await enrolPasskey(app, linked.accessToken);
    await dropPassword(linked.id);
    await app.deps.database.db.insert(oauthAccounts).values({ provider: "github", providerAccountId: `gh-${linked.id}`, userId: linked.id, email: linked.email });
    expect((await remove(linked, passkey.id)).status).toBe(204);
    expect(await passkeysOf(linked.id)).toEqual([]);

    const withPassword = await registerUser(app);
    const own = await enrolPasskey(app, withPassword.accessToken);
    expect((await remove(withPassword, own.passkey.id)).status).toBe(204);
  });

  test("a passkey is a way in: a passwordless account's last provider can be unlinked beside it, and then the passkey stays", async () => {
    const user = await registerUser(app);
    const { passkey } = await enrolPasskey(app, user.accessToken);
    await dropPassword(user.id);
    const [identity] = await app.deps.database.db.insert(oauthAccounts).values({ provider: "github", providerAccountId: `gh-${user.id}`, userId: user.id, email: user.email }).returning();
    expect((await app.json("DELETE", `/api/v1/auth/identities/${identity!.id}`, undefined, bearer(user.accessToken))).status).toBe(204);
    expectError(await remove(user, passkey.id), 409, "last_sign_in_method");
    expect(await passkeysOf(user.id)).toEqual([passkey.id]);
  });

  test("removing the last passkey and unlinking the last provider at once: one passes, one is refused", async () => {
    const user = await registerUser(app);
    const { passkey } = await enrolPasskey(app, user.accessToken);
    await dropPassword(user.id);
    const [identity] = await app.deps.database.db.insert(oauthAccounts).values({ provider: "github", providerAccountId: `gh-${user.id}`, userId: user.id, email: user.email }).returning();
    const answers = await Promise.all([remove(user, passkey.id), app.json("DELETE", `/api/v1/auth/identities/${identity!.id}`, undefined, bearer(user.accessToken))]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 409]);
  });

  test("on the passkeys page the refusal is the card again with why, and the passkey stays", async () => {
    const { client, user } = await signedUpClient(app, "lastpk");
    const [row] = await app.deps.database.db.select({ id: users.id }).from(users).where(eq(users.username, user.username));
    const { passkey } = await enrolPasskey(app, client.cookies.get("access_token")!);
    await dropPassword(row!.id);
    await client.get("/account/passkeys");
    const refused = await client.post(`/account/passkeys/${passkey.id}/delete`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain("only way to sign in");
    expect(refused.text).toContain(`data-passkey-id="${passkey.id}"`);
    expect(await passkeysOf(row!.id)).toEqual([passkey.id]);
  });
});
