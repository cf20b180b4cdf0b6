/**
 * Recovery codes (docs/mfa.md): ten codes of 60 random bits each, written as twelve base32
 * characters in groups of four (`abcd-efgh-ijkl`) so they can be read out and typed. Only their
 * SHA-256 is stored; each works once (a guarded UPDATE spends it); a new set replaces the old.
 */
import { randomBytes } from "node:crypto";
import { and, count, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { recoveryCodes } from "../../db/schema";
import { hashToken } from "../auth/tokens";
import { base32Encode } from "./totp";

export const RECOVERY_CODE_COUNT = 10;
/** 12 base32 characters = 60 bits, above the 50-bit floor. */
const CODE_CHARS = 12;

/** What the user typed, in the one spelling that is hashed: no spaces or dashes, lower case. */
export const normaliseRecoveryCode = (code: string) => code.replace(/[\s-]/g, "").toLowerCase();

export function newRecoveryCode(): string {
  const chars = base32Encode(randomBytes(8)).slice(0, CODE_CHARS).toLowerCase();
  return chars.match(/.{4}/g)!.join("-");
}

/** Voids the user's codes and stores a new set; the codes themselves are returned once, never stored. */
export async function replaceRecoveryCodes(db: Db, userId: string, at: Date): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await db.insert(recoveryCodes).values(codes.map((code) => ({ userId, codeHash: hashToken(normaliseRecoveryCode(code)), createdAt: at })));
  return codes;
}

/** Spends the code if it is one of the user's unused ones; of two requests with one code, one wins. */
export async function spendRecoveryCode(db: Db, userId: string, code: string, at: Date): Promise<boolean> {
  const normalised = normaliseRecoveryCode(code);
  if (!/^[a-z2-7]{12}$/.test(normalised)) return false;
  const spent = await db
    .update(recoveryCodes)
    .set({ usedAt: at })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashToken(normalised)), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id });
  return spent.length > 0;
}

export async function remainingRecoveryCodes(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return Number(row?.n ?? 0);
}

export async function deleteRecoveryCodes(db: Db, userId: string): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}
