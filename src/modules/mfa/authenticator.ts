/**
 * The authenticator app's rows (table totp_factors, docs/mfa.md): a setup waits with its seed
 * sealed until the first right code enables it; every accepted code moves `last_used_step`
 * forward in one guarded UPDATE, so a code (or any older one) is never accepted twice, even by
 * two requests at once.
 */
import { and, eq, isNull, lt, or } from "drizzle-orm";
import { renderSVG } from "uqr";
import type { Db } from "../../db/client";
import { type TotpFactor, totpFactors } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { openSecret, sealSecret } from "../../crypto/secret-box";
import { base32Encode, matchTotp, newTotpSecret, otpauthUrl } from "./totp";

/** The seed is bound to its user: a sealed value copied to another row does not open. */
const sealContext = (userId: string) => `totp|${userId}`;

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  qrSvg: string;
}

async function findTotp(db: Db, userId: string): Promise<TotpFactor | undefined> {
  const [row] = await db.select().from(totpFactors).where(eq(totpFactors.userId, userId)).limit(1);
  return row;
}

export async function enabledTotp(db: Db, userId: string): Promise<TotpFactor | undefined> {
  const row = await findTotp(db, userId);
  return row?.enabledAt ? row : undefined;
}

export async function hasPendingTotp(db: Db, userId: string): Promise<boolean> {
  const row = await findTotp(db, userId);
  return row !== undefined && row.enabledAt === null;
}

/** The issuer authenticator apps show next to the code: the host of APP_URL. */
const issuerOf = (deps: Deps) => new URL(deps.config.appUrl).host;

/**
 * A new seed waiting for its first code, replacing any earlier setup that was not finished.
 * Refused while the app is enabled: turning it off first keeps "which seed is live" unambiguous.
 */
export async function startTotpSetup(deps: Deps, userId: string, account: string): Promise<TotpSetup> {
  const db = deps.database.db;
  if (await enabledTotp(db, userId)) throw new AppError("conflict", "An authenticator app is already enabled: remove it first to set up another");
  const seed = newTotpSecret();
  const secretSealed = sealSecret(deps.config.encryptionKey, seed, sealContext(userId));
  const at = new Date(deps.clock.now());
  // Only a pending row is replaced: an app enabled since the check above stays as it is.
  const written = await db
    .insert(totpFactors)
    .values({ userId, secretSealed, createdAt: at })
    .onConflictDoUpdate({ target: totpFactors.userId, set: { secretSealed, createdAt: at, lastUsedStep: null }, setWhere: isNull(totpFactors.enabledAt) })
    .returning({ userId: totpFactors.userId });
  if (written.length === 0) throw new AppError("conflict", "An authenticator app is already enabled: remove it first to set up another");
  return setupView(deps, seed, account);
}

function setupView(deps: Deps, seed: Uint8Array, account: string): TotpSetup {
  const secret = base32Encode(seed);
  const url = otpauthUrl(issuerOf(deps), account, secret);
  return { secret, otpauthUrl: url, qrSvg: renderSVG(url, { ecc: "M", border: 2 }) };
}

/** The setup waiting for its first code, shown again (a wrong code on the page keeps the QR code). */
export async function pendingTotpSetup(deps: Deps, userId: string, account: string): Promise<TotpSetup | null> {
  const row = await findTotp(deps.database.db, userId);
  if (!row || row.enabledAt) return null;
  return setupView(deps, openSecret(deps.config.encryptionKey, row.secretSealed, sealContext(userId)), account);
}

/**
 * Accepts the code if it matches the seed within ±1 step and its step is later than the last
 * accepted one, moving `last_used_step` to it in the same statement. `pending`: check the
 * unfinished setup (enabling) instead of the enabled app.
 */
export async function acceptTotpCode(deps: Deps, db: Db, userId: string, code: string, options: { pending?: boolean } = {}): Promise<boolean> {
  const row = await findTotp(db, userId);
  if (!row || Boolean(row.enabledAt) === Boolean(options.pending)) return false;
  const seed = openSecret(deps.config.encryptionKey, row.secretSealed, sealContext(userId));
  const step = matchTotp(seed, code, deps.clock.now(), row.lastUsedStep);
  if (step === null) return false;
  const accepted = await db
    .update(totpFactors)
    .set({ lastUsedStep: step })
    .where(and(eq(totpFactors.userId, userId), eq(totpFactors.secretSealed, row.secretSealed), or(isNull(totpFactors.lastUsedStep), lt(totpFactors.lastUsedStep, step))))
    .returning({ userId: totpFactors.userId });
  return accepted.length > 0;
}

/** Inside enrolFactor's transaction: the checked setup becomes the enabled app. */
export async function markTotpEnabled(db: Db, userId: string, at: Date): Promise<boolean> {
  const enabled = await db
    .update(totpFactors)
    .set({ enabledAt: at })
    .where(and(eq(totpFactors.userId, userId), isNull(totpFactors.enabledAt)))
    .returning({ userId: totpFactors.userId });
  return enabled.length > 0;
}

/** Removes the enabled app (a pending setup alone does not count); whether there was one. */
export async function deleteTotp(db: Db, userId: string): Promise<boolean> {
  const deleted = await db.delete(totpFactors).where(eq(totpFactors.userId, userId)).returning({ enabledAt: totpFactors.enabledAt });
  return deleted.some((row) => row.enabledAt !== null);
}
