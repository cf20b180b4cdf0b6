/**
 * Passkeys on the second-factor pages, without a browser (the ceremony is a software
 * authenticator; tests/e2e/passkeys.test.ts drives the same pages in Chromium): "Use a passkey"
 * on /login/mfa and on the "confirm it is you" prompt, with options bound to the step or the
 * session, and the passkeys card of /account/security.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { recoveryCodes } from "../src/db/schema";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { enrolPasskey, enrolTotp } from "./helpers/mfa";
import { type RegisteredUser, registerUser } from "./helpers/users";
import { signedUpClient, WebClient } from "./e2e/web-client";

const clock = new ManualClock(Math.floor(Date.now() / 30_000) * 30_000 + 10_000);
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ clock, env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

type RequestOptions = { challenge: string; allowCredentials?: { id: string }[] };

/** A browser that has passed the password and stands on /login/mfa. */
async function atSecondStep(user: RegisteredUser, next = "/account/security") {
  const client = new WebClient(app);
  await client.get("/login");
  const response = await client.post("/login", { username_or_email: user.username, password: user.password, next });
  expect(response.location).toBe(`/login/mfa?next=${encodeURIComponent(next)}`);
  const page = await client.get(response.location!);
  expect(page.status).toBe(200);
  return { client, page };
}

/** What passkeys.js does: options from the page route, with the CSRF token in its header. */
async function optionsFrom(client: WebClient, path: string) {
  const response = await client.request("POST", path, { headers: { "x-csrf-token": client.csrfToken } });
  return { status: response.status, options: response.status === 200 ? (JSON.parse(response.text).options as RequestOptions) : undefined };
}

describe(`"Use a passkey" on /login/mfa (${backendName()})`, () => {
  test("offered beside the codes; its options are the step's, list only the user's passkeys, and the answer signs in", async () => {
    const user = await registerUser(app);
    await enrolTotp(app, user);
    const { key } = await enrolPasskey(app, user.accessToken);
    const { client, page } = await atSecondStep(user);
    expect(page.text).toContain('id="passkey-step-form"');
    expect(page.text).toContain('data-passkey-options="/login/mfa/passkey/options"');
    expect(page.text).toContain("Use a passkey");
    expect(page.text).toContain("Using a passkey needs JavaScript; a code works as usual.");
    // The code form is still there, for the app's code, without JavaScript.
    expect(page.text).toContain('name="method" value="totp"');

    expect((await client.request("POST", "/login/mfa/passkey/options")).status).toBe(403);
    const { status, options } = await optionsFrom(client, "/login/mfa/passkey/options");
    expect(status).toBe(200);
    expect(options!.allowCredentials?.map((c) => c.id)).toEqual([key.credentialId]);

    const done = await client.post("/login/mfa", { method: "passkey", credential: JSON.stringify(key.assert(options!)), next: "/account/security" });
    expect(done.status).toBe(303);
    expect(done.location).toBe("/account/security");
    expect(client.cookies.has("access_token")).toBe(true);
    expect(client.cookies.has("mfa_token")).toBe(false);
  });

  test("someone else's passkey counts as a wrong attempt and says so; a broken answer spends none; without a step there are no options", async () => {
    const user = await registerUser(app);
    const other = await registerUser(app);
    const { key } = await enrolPasskey(app, user.accessToken);
    const { key: otherKey } = await enrolPasskey(app, other.accessToken);
    const { client } = await atSecondStep(user);

    const broken = await client.post("/login/mfa", { method: "passkey", credential: "not json" });
    expect(broken.status).toBe(400);
    expect(broken.text).toContain("passkey answer was incomplete");
    const foreign = await client.post("/login/mfa", { method: "passkey", credential: JSON.stringify(otherKey.assert((await optionsFrom(client, "/login/mfa/passkey/options")).options!)) });
    expect(foreign.status).toBe(401);
    expect(foreign.text).toContain("That passkey was not accepted. 4 attempts left.");
    // The step lives on: the user's own passkey still finishes it.
    const done = await client.post("/login/mfa", { method: "passkey", credential: JSON.stringify(key.assert((await optionsFrom(client, "/login/mfa/passkey/options")).options!)) });
    expect(done.location).toBe("/dashboard");

    const stranger = new WebClient(app);
    await stranger.get("/login");
    expect((await optionsFrom(stranger, "/login/mfa/passkey/options")).status).toBe(401);
  });

  test("with a passkey and no recovery code left, the page offers only the passkey, and says what it needs", async () => {
    const user = await registerUser(app);
    await enrolPasskey(app, user.accessToken);
    await app.deps.database.db.update(recoveryCodes).set({ usedAt: new Date(clock.now()) }).where(eq(recoveryCodes.userId, user.id));
    const { page } = await atSecondStep(user);
    expect(page.text).toContain("Use a passkey");
    expect(page.text).not.toContain('id="mfa-form"');
    expect(page.text).toContain("Using a passkey needs JavaScript: turn it on, or start over and sign in another way.");
  });
});

describe(`"Use a passkey" to confirm it is you (${backendName()})`, () => {
  test("a stale session confirms with its passkey on the prompt and goes back to where it was", async () => {
    const { client } = await signedUpClient(app, "pkreauth");
    const { key } = await enrolPasskey(app, client.cookies.get("access_token")!);
    clock.advance(6 * 60 * 1000);
    await client.get("/account/security");
    const refused = await client.post("/account/security/recovery-codes", {}, { referer: `${app.url}/account/security` });
    expect(refused.location).toBe("/account/reauthenticate?next=%2Faccount%2Fsecurity");
    const prompt = await client.get(refused.location!);
    expect(prompt.text).toContain('data-passkey-options="/account/reauthenticate/passkey/options"');
    // The password stays the form shown; the passkey is beside it.
    expect(prompt.text).toContain('name="method" value="password"');

    const passwordless = JSON.parse((await client.request("POST", "/login/passkey/options", { headers: { "x-csrf-token": client.csrfToken } })).text).options as RequestOptions;
    const wrong = await client.post("/account/reauthenticate", { method: "passkey", credential: JSON.stringify(key.assert(passwordless)), next: "/account/security" });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain("That passkey was not accepted.");

    const { options } = await optionsFrom(client, "/account/reauthenticate/passkey/options");
    const confirmed = await client.post("/account/reauthenticate", { method: "passkey", credential: JSON.stringify(key.assert(options!)), next: "/account/security" });
    expect(confirmed.status).toBe(303);
    expect(confirmed.location).toBe("/account/security");
    expect((await client.post("/account/security/recovery-codes")).status).toBe(200);
  });
});

describe(`the passkeys card of /account/security (${backendName()})`, () => {
  test("without passkeys it leads to adding one; with one (and no app) it lists it, and the recovery codes count as a factor's", async () => {
    const { client } = await signedUpClient(app, "pkcard");
    const before = await client.get("/account/security");
    expect(before.text).toContain("No passkeys yet");
    expect(before.text).toContain('href="/account/passkeys"');
    expect(before.text).toContain("Add a passkey");
    expect(before.text).toContain("You get recovery codes when you set up a second factor.");
    expect(before.text).not.toContain('action="/account/security/recovery-codes"');

    const { passkey } = await enrolPasskey(app, client.cookies.get("access_token")!, "Phone <b>");
    const after = await client.get("/account/security");
    expect(after.text).toContain(`data-passkey-id="${passkey.id}"`);
    expect(after.text).toContain("Phone &lt;b&gt;");
    expect(after.text).toContain("never used");
    expect(after.text).toContain("Manage passkeys");
    expect(after.text).toContain("10 of 10 codes left.");
    expect(after.text).toContain('action="/account/security/recovery-codes"');
  });
});
