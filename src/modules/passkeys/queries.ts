/**
 * Reads of the passkeys table that other modules need (the factor registry in
 * src/modules/mfa/factors.ts, the admin's view): here, away from ./service.ts, which uses the
 * registry itself — so the import graph has no cycle.
 */
import { asc, count, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type Passkey, passkeys } from "../../db/schema";

export function listPasskeys(db: Db, userId: string): Promise<Passkey[]> {
  return db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt), asc(passkeys.id));
}

export async function countPasskeys(db: Db, userId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId));
  return Number(row?.n ?? 0);
}

export const hasPasskey = async (db: Db, userId: string): Promise<boolean> => (await countPasskeys(db, userId)) > 0;

/** Every passkey of a user goes (an administrator's reset of the factors); returns how many. */
export async function removeAllPasskeys(db: Db, userId: string): Promise<number> {
  return (await db.delete(passkeys).where(eq(passkeys.userId, userId)).returning({ id: passkeys.id })).length;
}
