/**
 * WebAuthn challenges (docs/passkeys.md, "Challenges"): 32 random bytes, single use, five
 * minutes, kept in the store under a digest of the challenge (a look at Redis shows nothing a
 * client could replay). Each is bound to what asked for it: the session that registers or
 * re-authenticates, the sign-in step of an `mfa_token`, or the `challenge_id` a passwordless
 * sign-in echoes back. The
 * browser signs the challenge into clientDataJSON, so the response itself names the challenge
 * to consume; `take` (GETDEL) makes the consumption atomic, so of two concurrent uses of one
 * challenge exactly one proceeds, on every instance.
 */
import { randomBytes } from "node:crypto";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { storeKeys } from "../../store/keys";

export const CHALLENGE_TTL_SECONDS = 5 * 60;

export type ChallengePurpose = "register" | "login" | "second_factor" | "reauthenticate";

export interface ChallengeBinding {
  purpose: ChallengePurpose;
  /** The session id (register, reauthenticate), the sign-in step's mfa_challenges id (second_factor) or the challenge id (login). */
  bind: string;
  /** Whose credential is expected (register, second_factor); unknown before a passwordless sign-in. */
  userId?: string;
}

interface IssuedChallenge extends ChallengeBinding {
  expiresAt: number;
}

export async function issueChallenge(deps: Deps, binding: ChallengeBinding): Promise<string> {
  const challenge = randomBytes(32).toString("base64url");
  // The expiry is kept in the record as well: the clock decides (the store's TTL only cleans up).
  const record: IssuedChallenge = { ...binding, expiresAt: deps.clock.now() + CHALLENGE_TTL_SECONDS * 1000 };
  await deps.store.set(storeKeys.webauthnChallenge(challenge), JSON.stringify(record), CHALLENGE_TTL_SECONDS * 1000);
  return challenge;
}

/** The challenge a response claims to answer, read from its clientDataJSON (signed over by the authenticator). */
export function challengeOf(clientDataJSON: string): string | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8"));
    const challenge = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>).challenge : undefined;
    return typeof challenge === "string" && challenge.length > 0 && challenge.length <= 128 ? challenge : null;
  } catch {
    return null;
  }
}

/**
 * Consumes the challenge a response names, once, and checks it was issued for this purpose and
 * binding. A challenge presented with the wrong binding is spent all the same: whoever holds it
 * cannot try again elsewhere.
 */
export async function consumeChallenge(deps: Deps, clientDataJSON: string, expected: ChallengeBinding, failure: AppError): Promise<string> {
  const challenge = challengeOf(clientDataJSON);
  if (!challenge) throw failure;
  const raw = await deps.store.take(storeKeys.webauthnChallenge(challenge));
  if (!raw) throw failure;
  const issued = JSON.parse(raw) as IssuedChallenge;
  if (deps.clock.now() > issued.expiresAt) throw failure;
  if (issued.purpose !== expected.purpose || issued.bind !== expected.bind || (expected.userId !== undefined && issued.userId !== expected.userId)) throw failure;
  return challenge;
}
