/**
 * Passkeys: registering, listing, renaming and removing a user's WebAuthn credentials, and
 * verifying an assertion — for a passwordless sign-in (./sign-in.ts) and as a second factor.
 * No HTTP here. docs/passkeys.md has the ceremonies and what is stored.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { type Passkey, passkeys, type User } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, notFound } from "../../errors";
import { recordAudit } from "../audit/service";
import { type Enrolled, type FactorActor, enrolFactor, removeFactor } from "../mfa/factors";
import { findActiveUser } from "../users/service";
import { keepAWayIn } from "../users/sign-in-methods";
import { type ChallengeBinding, consumeChallenge, issueChallenge } from "./challenges";
import type { AssertionCredentialJSON, PasskeyView, RegistrationCredentialJSON } from "./model";
import { countPasskeys, listPasskeys } from "./queries";
import { creationOptions, requestOptions, userHandleText, verifyAssertion, verifyRegistration } from "./webauthn";

/** A user may keep this many; more is an abuse of storage, not a use of passkeys. */
export const MAX_PASSKEYS = 20;

export function passkeyView(passkey: Passkey): PasskeyView {
  return {
    id: passkey.id,
    name: passkey.name,
    created_at: passkey.createdAt.toISOString(),
    last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
    backed_up: passkey.backedUp,
    device_type: passkey.deviceType,
    transports: passkey.transports,
  };
}

export { countPasskeys, listPasskeys, removeAllPasskeys } from "./queries";

async function activeUser(deps: Deps, userId: string): Promise<User> {
  const user = await findActiveUser(deps.database.db, userId);
  if (!user) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  return user;
}

/** Creation options for this session; the challenge can only be answered by this session for this user. */
export async function startRegistration(deps: Deps, caller: { userId: string; sessionId: string }) {
  const user = await activeUser(deps, caller.userId);
  const existing = await listPasskeys(deps.database.db, user.id);
  if (existing.length >= MAX_PASSKEYS) throw new AppError("conflict", `An account can have at most ${MAX_PASSKEYS} passkeys: remove one first`);
  const challenge = await issueChallenge(deps, { purpose: "register", bind: caller.sessionId, userId: user.id });
  return creationOptions(deps, user, existing, challenge);
}

/**
 * Verifies the browser's answer and stores the passkey as a factor (src/modules/mfa/factors.ts):
 * the account's first factor ends its other sessions and brings recovery codes, which the
 * caller shows once.
 */
export async function finishRegistration(deps: Deps, actor: FactorActor, input: { name?: string; credential: RegistrationCredentialJSON }): Promise<Enrolled<Passkey>> {
  const binding: ChallengeBinding = { purpose: "register", bind: actor.sessionId, userId: actor.userId };
  const challenge = await consumeChallenge(deps, input.credential.response.clientDataJSON, binding, new AppError("invalid_passkey", "The registration challenge is unknown, expired, already used or not this session's: ask for new options"));
  const verified = await verifyRegistration(deps, input.credential, challenge);
  const at = new Date(deps.clock.now());
  const audit = { userId: actor.userId, ip: actor.client.ip, userAgent: actor.client.userAgent, tokenId: actor.client.tokenId };
  try {
    return await enrolFactor(deps, actor, "passkey", async (tx) => {
      const name = input.name?.trim() || `Passkey ${(await countPasskeys(tx, actor.userId)) + 1}`;
      const [row] = await tx
        .insert(passkeys)
        .values({ userId: actor.userId, ...verified, name, createdAt: at })
        .returning();
      await recordAudit(tx, { action: "passkey_added", actor: audit, targetId: actor.userId, at, details: { passkey_id: row!.id, name } });
      return row!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", "This passkey is already registered");
    throw error;
  }
}

async function ownPasskey(db: Db, userId: string, id: string): Promise<Passkey> {
  const [row] = await db.select().from(passkeys).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).limit(1);
  if (!row) throw notFound("Passkey");
  return row;
}

export async function renamePasskey(deps: Deps, userId: string, id: string, name: string): Promise<Passkey> {
  await ownPasskey(deps.database.db, userId, id);
  const [row] = await deps.database.db.update(passkeys).set({ name: name.trim() }).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).returning();
  if (!row) throw notFound("Passkey");
  return row;
}

/** Refused when it is the account's only way in (no password, no linked provider, no other passkey). */
export async function removePasskey(deps: Deps, actor: FactorActor, id: string): Promise<void> {
  const at = new Date(deps.clock.now());
  const audit = { userId: actor.userId, ip: actor.client.ip, userAgent: actor.client.userAgent, tokenId: actor.client.tokenId };
  // removeFactor holds the user's row lock around this: two removals of the last two passkeys see each other.
  await removeFactor(deps, actor, "passkey", async (tx) => {
    const passkey = await ownPasskey(tx, actor.userId, id);
    await keepAWayIn(tx, actor.userId, { passkeyId: passkey.id });
    await tx.delete(passkeys).where(eq(passkeys.id, passkey.id));
    await recordAudit(tx, { action: "passkey_removed", actor: audit, targetId: actor.userId, at, details: { passkey_id: passkey.id, name: passkey.name } });
    return true;
  });
}

export interface UsedPasskey {
  passkey: Passkey;
  user: User;
}

/**
 * Verifies an assertion against the challenge it names (consumed here, once) and the stored
 * credential. `binding.userId` set: only that user's passkeys count (a second factor). The
 * counter moves forward in a compare-and-set, so two assertions racing on one counter value
 * cannot both pass.
 */
export async function useAssertion(deps: Deps, credential: AssertionCredentialJSON, binding: ChallengeBinding, failure: AppError): Promise<UsedPasskey> {
  const challenge = await consumeChallenge(deps, credential.response.clientDataJSON, binding, failure);
  const db = deps.database.db;
  const [passkey] = await db.select().from(passkeys).where(eq(passkeys.credentialId, credential.id)).limit(1);
  // Unknown, someone else's, or a user handle naming another account: the same refusal.
  if (!passkey || (binding.userId !== undefined && passkey.userId !== binding.userId)) throw failure;
  if (credential.response.userHandle && credential.response.userHandle !== userHandleText(passkey.userId)) throw failure;
  const verified = await verifyAssertion(deps, credential, challenge, passkey, failure);
  const [updated] = await db
    .update(passkeys)
    .set({ counter: verified.newCounter, backedUp: verified.backedUp, lastUsedAt: new Date(deps.clock.now()) })
    .where(and(eq(passkeys.id, passkey.id), eq(passkeys.counter, passkey.counter)))
    .returning();
  if (!updated) throw failure;
  const user = await findActiveUser(db, passkey.userId);
  if (!user) throw new AppError("account_disabled");
  return { passkey: updated, user };
}

/**
 * Request options limited to this user's passkeys, for a second step (bound to its
 * mfa_challenges row) or a re-authentication (bound to the session).
 */
export async function factorOptions(deps: Deps, userId: string, binding: Pick<ChallengeBinding, "purpose" | "bind">) {
  const allow = await listPasskeys(deps.database.db, userId);
  if (allow.length === 0) throw new AppError("bad_request", "This account has no passkey");
  const challenge = await issueChallenge(deps, { ...binding, userId });
  return requestOptions(deps, challenge, allow);
}
