/** Second factors in tests: enrol an authenticator app or a software passkey through the API, and compute app codes at the app's clock. */
import { expect } from "bun:test";
import { base32Decode, totpCode } from "../../src/modules/mfa/totp";
import type { TestApp } from "./app";
import { bearer, type RegisteredUser } from "./users";
import { SoftPasskey } from "./webauthn";

export interface EnrolledTotp {
  seed: Uint8Array;
  recoveryCodes: string[];
}

/** The app's code for the current step, or `offsetSteps` 30-second steps away. */
export const codeAt = (app: TestApp, seed: Uint8Array, offsetSteps = 0) => totpCode(seed, app.deps.clock.now() + offsetSteps * 30_000);

/** Sets up and enables TOTP for a user whose session is recent (just registered or re-authenticated). */
export async function enrolTotp(app: TestApp, user: Pick<RegisteredUser, "accessToken">, headers: Record<string, string> = {}): Promise<EnrolledTotp> {
  const setup = await app.json<{ secret: string }>("POST", "/api/v1/auth/mfa/totp/setup", undefined, { ...bearer(user.accessToken), ...headers });
  expect(setup.status).toBe(200);
  const seed = base32Decode(setup.body.secret);
  const enabled = await app.json<{ recovery_codes: string[] }>("POST", "/api/v1/auth/mfa/totp/enable", { code: codeAt(app, seed) }, { ...bearer(user.accessToken), ...headers });
  expect(enabled.status).toBe(200);
  return { seed, recoveryCodes: enabled.body.recovery_codes };
}

export interface EnrolledPasskey {
  key: SoftPasskey;
  passkey: { id: string; name: string; recovery_codes: string[] };
}

/** Registers a software passkey (for this app's origin and RP id) on a session that is recent. */
export async function enrolPasskey(app: TestApp, accessToken: string, name?: string): Promise<EnrolledPasskey> {
  const key = new SoftPasskey({ origin: app.config.webauthn.origin, rpId: app.config.webauthn.rpId });
  const options = await app.json<{ options: { challenge: string; user: { id: string } } }>("POST", "/api/v1/auth/passkeys/options", undefined, bearer(accessToken));
  expect(options.status).toBe(200);
  const registered = await app.json<EnrolledPasskey["passkey"]>("POST", "/api/v1/auth/passkeys", { name, credential: key.register(options.body.options) }, bearer(accessToken));
  expect(registered.status).toBe(201);
  return { key, passkey: registered.body };
}

export interface MfaRequiredBody {
  code: string;
  details: { mfa_token: string; methods: string[]; expires_in: number };
}
