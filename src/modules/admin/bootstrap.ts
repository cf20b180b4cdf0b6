/**
 * The first admin: from ADMIN_EMAIL/ADMIN_PASSWORD at start (only while no admin exists, and
 * never over an existing account), or from the operator command in scripts/admin.ts.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type User, users } from "../../db/schema";
import { AppError, notFound, validationError } from "../../errors";
import type { Logger } from "../../logger";
import { recordAudit } from "../audit/service";
import { hashPassword, passwordProblem } from "../auth/passwords";
import { EMAIL_RULE, isValidUsername, normaliseEmail, USERNAME_RULE } from "../users/identity";
import { findUserByEmail, findUserByLogin } from "../users/service";

export async function hasActiveAdmin(db: Db): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).where(and(eq(users.role, "admin"), isNull(users.disabledAt))).limit(1);
  return row !== undefined;
}

export interface NewAdmin {
  email: string;
  username: string;
  password: string;
}

export async function createAdminUser(db: Db, config: Config, input: NewAdmin, at: Date): Promise<User> {
  const email = normaliseEmail(input.email);
  if (!email) throw validationError({ email: EMAIL_RULE });
  if (!isValidUsername(input.username)) throw validationError({ username: USERNAME_RULE });
  const problem = passwordProblem(input.password);
  if (problem) throw validationError({ password: problem });
  if (await findUserByEmail(db, email)) throw new AppError("conflict", "An account with this email already exists; promote it instead");
  if (await findUserByLogin(db, input.username)) throw new AppError("conflict", "This username is taken");
  const passwordHash = await hashPassword(input.password, config.argon2);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email, username: input.username, passwordHash, role: "admin", emailVerified: true, emailVerifiedAt: at, createdAt: at, updatedAt: at })
      .returning();
    await recordAudit(tx, { action: "admin_created", actor: { userId: null, ip: null, userAgent: "bootstrap" }, targetId: user!.id, at });
    return user!;
  });
}

export async function promoteUser(db: Db, email: string, at: Date): Promise<User> {
  const [user] = await db
    .update(users)
    .set({ role: "admin", updatedAt: at })
    .where(sql`lower(${users.email}) = ${normaliseEmail(email) ?? email.trim().toLowerCase()}`)
    .returning();
  if (!user) throw notFound("User");
  await recordAudit(db, { action: "admin_role_changed", actor: { userId: null, ip: null, userAgent: "operator command" }, targetId: user.id, at, details: { to: "admin" } });
  return user;
}

/** A username from the address's local part, made unique with a short suffix when taken. */
async function usernameFor(db: Db, email: string): Promise<string> {
  const base = (email.split("@")[0] ?? "admin").replace(/[^A-Za-z0-9_.-]/g, "").slice(0, 40).padEnd(3, "0");
  if (!(await findUserByLogin(db, base))) return base;
  return `${base}-${crypto.randomUUID().slice(0, 6)}`;
}

export async function ensureFirstAdmin(db: Db, config: Config, logger: Logger, at: Date): Promise<void> {
  if (!config.adminEmail || !config.adminPassword) return;
  if (await hasActiveAdmin(db)) return;
  if (await findUserByEmail(db, config.adminEmail)) {
    logger.warn("ADMIN_EMAIL belongs to an existing account; it was not changed. Promote it with: bun run admin promote <email>");
    return;
  }
  try {
    const user = await createAdminUser(db, config, { email: config.adminEmail, username: await usernameFor(db, config.adminEmail), password: config.adminPassword }, at);
    logger.info("first admin created", { user_id: user.id, username: user.username });
  } catch (error) {
    if (error instanceof AppError) logger.error("first admin not created", { reason: error.message, fields: error.details });
    else throw error;
  }
}
