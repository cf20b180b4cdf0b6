/** Second factors on the pages, without a browser or JavaScript: /login → /login/mfa, /account/security, the "confirm it is you" prompt. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ManualClock } from "../src/clock";
import { base32Decode, totpCode } from "../src/modules/mfa/totp";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { codeAt, enrolTotp } from "./helpers/mfa";
import { registerUser, uniqueUser } from "./helpers/users";
import { WebClient } from "./e2e/web-client";

const clock = new ManualClock(Math.floor(Date.now() / 30_000) * 30_000 + 10_000);
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ clock, env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

async function signedUpBrowser() {
  const client = new WebClient(app);
  const user = uniqueUser("page");
  await client.get("/register");
  expect((await client.post("/register", user)).status).toBe(303);
  return { client, user };
}

async function passwordStep(client: WebClient, user: { username: string; password: string }, next?: string) {
  await client.get("/login");
  const response = await client.post("/login", { username_or_email: user.username, password: user.password, ...(next ? { next } : {}) });
  expect(response.status).toBe(303);
  return response;
}

describe(`the sign-in step on the pages (${backendName()})`, () => {
  test("the password leads to /login/mfa with no session; a wrong code says how many tries are left; the right one signs in and goes on", async () => {
    const user = await registerUser(app);
    const { seed } = await enrolTotp(app, user);
    clock.advance(30_000);
    const client = new WebClient(app);
    const first = await passwordStep(client, user, "/account/security");
    expect(first.location).toBe("/login/mfa?next=%2Faccount%2Fsecurity");
    expect(client.cookies.has("access_token")).toBe(false);
    expect(client.cookies.has("mfa_token")).toBe(true);

    const step = await client.get(first.location!);
    expect(step.status).toBe(200);
    expect(step.text).toContain("Two-step verification");
    expect(step.text).toContain('name="method" value="totp"');
    expect(step.text).toContain("/login/mfa?method=recovery_code");

    const wrong = await client.post("/login/mfa", { method: "totp", code: "000000", next: "/account/security" });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain("4 attempts left");
    const done = await client.post("/login/mfa", { method: "totp", code: codeAt(app, seed), next: "/account/security" });
    expect(done.status).toBe(303);
    expect(done.location).toBe("/account/security");
    expect(client.cookies.has("access_token")).toBe(true);
    expect(client.cookies.has("mfa_token")).toBe(false);
    expect((await client.get("/account/security")).text).toContain("since");
  });

  test("a recovery code works from the page too; without a live step /login/mfa sends the browser back to sign in", async () => {
    const user = await registerUser(app);
    const { recoveryCodes } = await enrolTotp(app, user);
    const client = new WebClient(app);
    await passwordStep(client, user);
    const choice = await client.get("/login/mfa?method=recovery_code");
    expect(choice.text).toContain('name="method" value="recovery_code"');
    expect((await client.post("/login/mfa", { method: "recovery_code", code: recoveryCodes[0]! })).location).toBe("/dashboard");

    const stranger = new WebClient(app);
    const none = await stranger.get("/login/mfa");
    expect(none.status).toBe(303);
    expect(none.location).toBe("/login?notice=mfa-expired");
  });
});

describe(`/account/security (${backendName()})`, () => {
  test("set up the app with the QR code and the key, turn it on with a code, see the recovery codes once with a text download", async () => {
    const { client } = await signedUpBrowser();
    const page = await client.get("/account/security");
    expect(page.status).toBe(200);
    expect(page.text).toContain('action="/account/security/totp/setup"');

    const setup = await client.post("/account/security/totp/setup");
    expect(setup.status).toBe(200);
    const qr = /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*?<\/svg>/.exec(setup.text)?.[0] ?? "";
    expect(qr).toContain("<path");
    expect(qr).not.toContain("<script");
    const secret = /id="totp-secret"[^>]*>([A-Z2-7 ]+)</.exec(setup.text)![1]!.replaceAll(" ", "");
    const seed = base32Decode(secret);

    const wrong = await client.post("/account/security/totp/enable", { code: "000000" });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain("<svg");
    expect(wrong.text).toContain("That code is not correct");

    const on = await client.post("/account/security/totp/enable", { code: totpCode(seed, clock.now()) });
    expect(on.status).toBe(200);
    const codes = [...on.text.matchAll(/>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</g)].map((match) => match[1]);
    expect(codes).toHaveLength(10);
    expect(on.text).toContain('download="cobalt-recovery-codes.txt"');
    expect(on.text).toContain(`data:text/plain;charset=utf-8,${encodeURIComponent("Cobalt recovery codes")}`);

    const later = await client.get("/account/security");
    expect(later.text).toContain("10 of 10 codes left.");
    expect(later.text).not.toContain(codes[0]!);
    expect(later.text).toContain('action="/account/security/totp/remove"');
  });

  test("a stale session is asked to confirm it is you, then goes back to where it was", async () => {
    const { client, user } = await signedUpBrowser();
    clock.advance(6 * 60 * 1000);
    await client.get("/account/security");
    const refused = await client.post("/account/security/totp/setup", {}, { referer: `${app.url}/account/security` });
    expect(refused.status).toBe(303);
    expect(refused.location).toBe("/account/reauthenticate?next=%2Faccount%2Fsecurity");
    const prompt = await client.get(refused.location!);
    expect(prompt.status).toBe(200);
    expect(prompt.text).toContain("Confirm it is you");
    expect((await client.post("/account/reauthenticate", { method: "password", password: "wrong password", next: "/account/security" })).status).toBe(422);
    const confirmed = await client.post("/account/reauthenticate", { method: "password", password: user.password, next: "/account/security" });
    expect(confirmed.status).toBe(303);
    expect(confirmed.location).toBe("/account/security");
    expect((await client.post("/account/security/totp/setup")).status).toBe(200);
  });
});
