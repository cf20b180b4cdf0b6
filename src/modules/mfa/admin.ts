/**
 * An administrator's view of a user's second factors and the reset for a locked-out user
 * (docs/mfa.md): every factor, the recovery codes and any pending sign-in step go, and every
 * session of the user ends (whoever held one got it with the old factors). Audited
 * `mfa_reset_by_admin`. An administrator resets their own factors through their own routes
 * (which ask for a recent authentication), not this one.
 */
import type { Db } from "../../db/client";
import type { User } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, notFound } from "../../errors";
import { isUuid } from "../../uuid";
import { recordAudit } from "../audit/service";
import { type ClientInfo, endUserSessions, markSessionsRevoked } from "../auth/sessions";
import { lockUser } from "../users/service";
import { factorCounts, removeAllFactors } from "./factors";
import { remainingRecoveryCodes } from "./recovery-codes";

export interface AdminMfaView {
  totp: boolean;
  passkeys: number;
  recoveryCodesRemaining: number;
}

export async function adminMfaView(db: Db, userId: string): Promise<AdminMfaView> {
  const counts = await factorCounts(db, userId);
  // Passkeys: `counts.passkey` once they register their kind in ./factors.ts.
  return { totp: counts.totp > 0, passkeys: counts.passkey, recoveryCodesRemaining: await remainingRecoveryCodes(db, userId) };
}

export async function resetUserMfa(deps: Deps, admin: Pick<User, "id">, targetId: string, client: ClientInfo): Promise<void> {
  if (!isUuid(targetId)) throw notFound("User");
  if (targetId === admin.id) throw new AppError("cannot_modify_self", "Change your own factors on your security page (it asks you to confirm it is you)");
  const at = new Date(deps.clock.now());
  const ended = await deps.database.db.transaction(async (tx) => {
    if (!(await lockUser(tx, targetId))) throw notFound("User");
    const removed = await removeAllFactors(tx, targetId);
    const ended = await endUserSessions(tx, targetId, "mfa_reset", at);
    await recordAudit(tx, { action: "mfa_reset_by_admin", actor: { userId: admin.id, ip: client.ip, userAgent: client.userAgent, tokenId: client.tokenId }, targetId, at, details: { removed, sessions_ended: ended.length } });
    return ended;
  });
  await markSessionsRevoked(deps, ended);
}
