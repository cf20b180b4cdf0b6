import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { generateKeyPair, SignJWT } from "jose";
import { ManualClock } from "../src/clock";
import { rotateSigningKeys } from "../src/modules/keys/service";
import { startTestApp, type TestApp } from "./helpers/app";
import { decodeJwt, login, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { registerUser } from "./helpers/users";

// examples/verify-service.mjs, run as its own process (Node), verifying tokens from a live Cobalt.
const clock = new ManualClock();
let cobalt: TestApp;
let service: ReturnType<typeof Bun.spawn>;
let serviceUrl: string;

async function startExample(cobaltUrl: string, issuer: string): Promise<void> {
  service = Bun.spawn(["node", join(import.meta.dir, "../examples/verify-service.mjs")], {
    env: { ...process.env, COBALT_URL: cobaltUrl, COBALT_ISSUER: issuer, PORT: "0" },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (service.stdout as ReadableStream<Uint8Array>).getReader();
  let output = "";
  while (!output.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the example exited: ${output}`);
    output += new TextDecoder().decode(value);
  }
  serviceUrl = /listening on (\S+)/.exec(output)![1]!;
}

const ask = (token: string) => fetch(`${serviceUrl}/orders`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  cobalt = await startTestApp({ clock, env: RELAXED_LIMITS });
  await startExample(cobalt.url, cobalt.config.appUrl);
}, START_TIMEOUT_MS);
afterAll(async () => {
  service?.kill();
  await cobalt.stop();
});

describe("the consumer example (examples/verify-service.mjs)", () => {
  test("accepts Cobalt's tokens with the JWKS alone, before and after a key rotation, and refuses forgeries", async () => {
    const user = await registerUser(cobalt);
    const before = await ask(user.accessToken);
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({ user_id: user.id, role: "user" });

    // The operator rotates; the new key signs once it has been published long enough.
    const rotation = await rotateSigningKeys(cobalt.deps.database.db, cobalt.config, clock.now());
    clock.advance(Math.max(0, rotation.activatesAt.getTime() - clock.now()) + 2 * 60 * 1000);
    const fresh = await login(cobalt, user.username, user.password);
    expect(decodeJwt(fresh.body.access_token).header.kid).toBe(rotation.kid);
    expect(decodeJwt(fresh.body.access_token).header.kid).not.toBe(decodeJwt(user.accessToken).header.kid);

    const after = await ask(fresh.body.access_token);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ user_id: user.id, role: "user" });
    expect((await ask(user.accessToken)).status).toBe(200);

    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const forged = await new SignJWT(decodeJwt(fresh.body.access_token).payload).setProtectedHeader({ alg: "EdDSA", kid: rotation.kid, typ: "JWT" }).sign(privateKey);
    expect((await ask(forged)).status).toBe(401);
    expect((await ask("not-a-token")).status).toBe(401);
  });
});
