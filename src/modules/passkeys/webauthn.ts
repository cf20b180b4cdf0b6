/**
 * The WebAuthn ceremonies, on `@simplewebauthn/server` with Cobalt's relying party (src/config.ts
 * `webauthn`): the APP_URL origin only, the configured RP id, user verification required (a
 * passkey stands in for a password and a second factor at once, so "someone holds the device"
 * is not enough), attestation "none" (we trust no vendor list; the AAGUID is kept for display).
 * The library's refusals are plain Errors; callers get one AppError and the reason is logged.
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import type { Passkey, User } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { CHALLENGE_TTL_SECONDS } from "./challenges";
import type { AssertionCredentialJSON, RegistrationCredentialJSON } from "./model";

const TIMEOUT_MS = CHALLENGE_TTL_SECONDS * 1000;

/**
 * EdDSA, ES256, RS256 — named, not the library's default: where the runtime can verify ML-DSA
 * the default offers it first, and a passkey made with it would stop working on any runtime
 * that cannot (a user locked out by an upgrade or a move).
 */
const ALGORITHMS = [-8, -7, -257];

/** The user handle the authenticator stores: the 16 bytes of the user's UUID (no personal data). */
export const userHandleOf = (userId: string) => new Uint8Array(Buffer.from(userId.replaceAll("-", ""), "hex"));
export const userHandleText = (userId: string) => Buffer.from(userHandleOf(userId)).toString("base64url");

const descriptor = (passkey: Pick<Passkey, "credentialId" | "transports">) => ({ id: passkey.credentialId, transports: passkey.transports });

export function creationOptions(deps: Deps, user: User, existing: Passkey[], challenge: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { rpId, rpName } = deps.config.webauthn;
  return generateRegistrationOptions({
    rpName,
    rpID: rpId,
    userName: user.username,
    userDisplayName: user.username,
    userID: userHandleOf(user.id),
    challenge: Buffer.from(challenge, "base64url"),
    timeout: TIMEOUT_MS,
    attestationType: "none",
    supportedAlgorithmIDs: ALGORITHMS,
    // The same authenticator twice would be two rows for one key.
    excludeCredentials: existing.map(descriptor),
    // Discoverable, so the same passkey signs in without a username.
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
  });
}

/** Options for a sign-in: any discoverable credential (passwordless), or only these (a second factor). */
export function requestOptions(deps: Deps, challenge: string, allow?: Passkey[]): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: deps.config.webauthn.rpId,
    challenge: Buffer.from(challenge, "base64url"),
    timeout: TIMEOUT_MS,
    userVerification: "required",
    ...(allow ? { allowCredentials: allow.map(descriptor) } : {}),
  });
}

function refused(deps: Deps, error: unknown, failure: AppError): AppError {
  deps.logger.info("passkey refused", { reason: error instanceof Error ? error.message.slice(0, 300) : String(error) });
  return failure;
}

export interface NewCredential {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  backedUp: boolean;
  deviceType: "singleDevice" | "multiDevice";
  aaguid: string;
}

export async function verifyRegistration(deps: Deps, credential: RegistrationCredentialJSON, challenge: string): Promise<NewCredential> {
  const { rpId, origin } = deps.config.webauthn;
  const failure = new AppError("invalid_passkey");
  try {
    const result = await verifyRegistrationResponse({
      response: { ...credential, clientExtensionResults: credential.clientExtensionResults ?? {} } as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
    if (!result.verified) throw new Error("registration not verified");
    const info = result.registrationInfo;
    return {
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString("base64url"),
      counter: info.credential.counter,
      transports: (credential.response.transports ?? []).slice(0, 10),
      backedUp: info.credentialBackedUp,
      deviceType: info.credentialDeviceType,
      aaguid: info.aaguid,
    };
  } catch (error) {
    throw refused(deps, error, failure);
  }
}

export interface VerifiedAssertion {
  newCounter: number;
  backedUp: boolean;
}

/** Signature, origin, RP id, user verification and the counter (a counter that did not move forward is a cloned key). */
export async function verifyAssertion(deps: Deps, credential: AssertionCredentialJSON, challenge: string, passkey: Passkey, failure: AppError): Promise<VerifiedAssertion> {
  const { rpId, origin } = deps.config.webauthn;
  try {
    const result = await verifyAuthenticationResponse({
      response: { ...credential, clientExtensionResults: credential.clientExtensionResults ?? {} } as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpId,
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, "base64url")), counter: passkey.counter, transports: passkey.transports },
      requireUserVerification: true,
    });
    if (!result.verified) throw new Error("assertion not verified");
    return { newCounter: result.authenticationInfo.newCounter, backedUp: result.authenticationInfo.credentialBackedUp };
  } catch (error) {
    throw refused(deps, error, failure);
  }
}
