/**
 * A passkey as a second factor (docs/passkeys.md): the verifier src/modules/mfa/verifiers.ts
 * dispatches to, and the options it answers. The challenge is bound to what the proof is for —
 * the sign-in step's mfa_challenges row, or the session that re-authenticates — and to the
 * user, so an assertion made for one cannot pass another, and another user's passkey never counts.
 */
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import type { ChallengeBinding } from "./challenges";
import type { AssertionCredentialJSON } from "./model";
import { factorOptions, useAssertion } from "./service";

type ProofBinding = { kind: "sign_in"; challengeId: string } | { kind: "session"; sessionId: string };

const challengeBinding = (userId: string, binding: ProofBinding): ChallengeBinding =>
  binding.kind === "sign_in" ? { purpose: "second_factor", bind: binding.challengeId, userId } : { purpose: "reauthenticate", bind: binding.sessionId, userId };

/** Options for the second step or a re-authentication of this user. */
export const passkeyFactorOptions = (deps: Deps, userId: string, binding: ProofBinding) => factorOptions(deps, userId, challengeBinding(userId, binding));

/** True for a valid assertion by one of this user's passkeys on a challenge issued for this binding; false counts as a wrong code. */
export async function usePasskeyFactor(deps: Deps, userId: string, binding: ProofBinding, credential: AssertionCredentialJSON): Promise<boolean> {
  try {
    await useAssertion(deps, credential, challengeBinding(userId, binding), new AppError("passkey_not_accepted"));
    return true;
  } catch (error) {
    if (error instanceof AppError && error.kind === "passkey_not_accepted") return false;
    throw error;
  }
}
