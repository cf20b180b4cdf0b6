/**
 * One verifier per way of proving a second factor, the one table both the sign-in step
 * (POST /auth/mfa/verify) and re-authentication (POST /auth/reauthenticate) dispatch through.
 * A verifier answers true only for a valid proof and spends it when it is single use (a TOTP
 * step, a recovery code). Passkeys add `{ method: "passkey"; credential }` to FactorProof and a
 * `passkey` entry here; the binding tells their verifier which challenge to look for.
 */
import type { Deps } from "../../deps";
import { recordAudit } from "../audit/service";
import type { ClientInfo } from "../auth/sessions";
import { acceptTotpCode } from "./authenticator";
import type { FactorMethod } from "./factors";
import { remainingRecoveryCodes, spendRecoveryCode } from "./recovery-codes";
import type { AssertionCredentialJSON } from "../passkeys/model";
import { usePasskeyFactor } from "../passkeys/factor";

export type FactorProof = { method: "totp"; code: string } | { method: "recovery_code"; code: string } | { method: "passkey"; credential: AssertionCredentialJSON };

/** What the proof is for: the second step of a sign-in (its mfa_challenges row), or a signed-in session re-authenticating. */
export type ProofBinding = { kind: "sign_in"; challengeId: string } | { kind: "session"; sessionId: string };

export interface ProofContext {
  deps: Deps;
  userId: string;
  binding: ProofBinding;
  client: ClientInfo;
}

type Verifier<P extends FactorProof> = (context: ProofContext, proof: P) => Promise<boolean>;

async function useRecoveryCode({ deps, userId, binding, client }: ProofContext, proof: { code: string }): Promise<boolean> {
  const db = deps.database.db;
  const at = new Date(deps.clock.now());
  if (!(await spendRecoveryCode(db, userId, proof.code, at))) return false;
  // Worth an alert of its own: a used code usually means a lost device.
  await recordAudit(db, {
    action: "recovery_code_used",
    actor: { userId, ip: client.ip, userAgent: client.userAgent },
    targetId: userId,
    at,
    details: { remaining: await remainingRecoveryCodes(db, userId), during: binding.kind },
  });
  return true;
}

export const FACTOR_VERIFIERS: { [M in FactorProof["method"]]: Verifier<Extract<FactorProof, { method: M }>> } = {
  totp: ({ deps, userId }, proof) => acceptTotpCode(deps, deps.database.db, userId, proof.code),
  recovery_code: useRecoveryCode,
  passkey: ({ deps, userId, binding }, proof) => usePasskeyFactor(deps, userId, binding, proof.credential),
};

/** True when the proof is valid for this user (and spent, when single use). */
export function verifyFactor(context: ProofContext, proof: FactorProof): Promise<boolean> {
  const verifier = FACTOR_VERIFIERS[proof.method] as Verifier<FactorProof>;
  return verifier(context, proof);
}

export const isFactorMethod = (methods: readonly FactorMethod[], method: string): method is FactorMethod => (methods as readonly string[]).includes(method);
