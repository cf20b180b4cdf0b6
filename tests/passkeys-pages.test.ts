/**
 * The passkey pages without a browser: the script is this app's own copy of the pinned
 * @simplewebauthn/browser, the options routes answer JSON only with the CSRF token, a passkey
 * sign-in through the page form sets the browser session, and a broken answer ends on the
 * sign-in page with a message, never a 500.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { bearer, registerUser } from "./helpers/users";
import { SoftPasskey } from "./helpers/webauthn";
import { signedUpClient, WebClient } from "./e2e/web-client";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

describe("the passkey script", () => {
  test("is the pinned package's bundle, served from this app under a content hash", async () => {
    const packaged = readFileSync(join(dirname(Bun.resolveSync("@simplewebauthn/browser/package.json", import.meta.dir)), "dist/bundle/index.umd.min.js"));
    const vendored = readFileSync(join(import.meta.dir, "../public/vendor/simplewebauthn-browser.umd.min.js"));
    expect(vendored.equals(packaged)).toBe(true);
    const page = await new WebClient(app).get("/login");
    const url = /src="(\/static\/webauthn\.[^"]+)"/.exec(page.text)?.[1];
    expect(url).toBeTruthy();
    expect(Buffer.from(await (await app.fetch(url!)).arrayBuffer()).equals(packaged)).toBe(true);
    expect(page.text).toContain('autocomplete="username webauthn"');
    expect(page.text).toContain("Signing in with a passkey needs JavaScript");
  });
});

describe("page routes", () => {
  test("the options routes need the CSRF token, and answer JSON with it", async () => {
    const client = new WebClient(app);
    await client.get("/login");
    expect((await client.request("POST", "/login/passkey/options")).status).toBe(403);
    const options = await client.request("POST", "/login/passkey/options", { headers: { "x-csrf-token": client.csrfToken } });
    expect(options.status).toBe(200);
    expect(options.headers.get("content-type")).toContain("application/json");
    expect(JSON.parse(options.text)).toMatchObject({ challenge_id: expect.any(String), options: { challenge: expect.any(String), userVerification: "required" } });
  });

  test("a passkey sign-in through the form sets the browser session; a broken or refused answer ends on the sign-in page", async () => {
    const user = await registerUser(app);
    const key = new SoftPasskey({ origin: app.config.webauthn.origin, rpId: app.config.webauthn.rpId });
    const creation = (await app.json<{ options: { challenge: string; user: { id: string } } }>("POST", "/api/v1/auth/passkeys/options", undefined, bearer(user.accessToken))).body.options;
    expect((await app.json("POST", "/api/v1/auth/passkeys", { credential: key.register(creation) }, bearer(user.accessToken))).status).toBe(201);

    const client = new WebClient(app);
    await client.get("/login");
    for (const credential of ["", "not json", JSON.stringify({ id: "x" })]) {
      const broken = await client.post("/login/passkey", { challenge_id: "x", credential, next: "/dashboard" });
      expect(broken.status).toBe(303);
      expect(broken.location).toBe("/login?notice=passkey-failed");
    }
    const round = JSON.parse((await client.request("POST", "/login/passkey/options", { headers: { "x-csrf-token": client.csrfToken } })).text);
    const signed = await client.post("/login/passkey", { challenge_id: round.challenge_id, credential: JSON.stringify(key.assert(round.options)), next: "/account/passkeys" });
    expect(signed.status).toBe(303);
    expect(signed.location).toBe("/account/passkeys");
    expect(client.cookies.has("access_token")).toBe(true);
    const card = await client.get("/account/passkeys");
    expect(card.text).toContain("Passkey 1");
    expect(card.text).toContain("Adding a passkey needs JavaScript");
  });

  test("a bad passkey id on a card action is a 404 page, not a 500", async () => {
    const { client } = await signedUpClient(app, "pkpage");
    await client.get("/account/passkeys");
    expect((await client.post("/account/passkeys/not-a-uuid/rename", { name: "x" })).status).toBe(404);
    expect((await client.post(`/account/passkeys/${crypto.randomUUID()}/delete`)).status).toBe(404);
  });
});
