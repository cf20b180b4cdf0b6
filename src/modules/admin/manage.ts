/**
 * User management beyond the basics of ./service.ts (docs/admin.md): create and invite, edit,
 * send a reset link, end every session, and bulk actions that apply each single action's rules
 * to every id. No HTTP here.
 */
import { eq, inArray } from "drizzle-orm";
import { isUniqueViolation } from "../../db/errors";
import { type Role, type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, notFound, validationError } from "../../errors";
import { invitationEmail } from "../../mail/invitation";
import { passwordResetEmail } from "../../mail/templates";
import { recordAudit } from "../audit/service";
import { issueOneTimeToken, TOKEN_TTL_MS, voidOneTimeTokens } from "../auth/one-time-tokens";
import { type ClientInfo, endUserSessions, markSessionsRevoked } from "../auth/sessions";
import { EMAIL_RULE, isReservedUsername, normaliseEmail } from "../users/identity";
import { accountChanged } from "../users/account-cache";
import { findUserByEmail, findUserById, findUserByLogin } from "../users/service";
import { isUuid } from "../../uuid";
import { actorOf, deleteUser, guardedTarget, setUserDisabled } from "./service";

const now = (deps: Deps) => new Date(deps.clock.now());
const link = (deps: Deps, path: string, token: string) => `${deps.config.appUrl}${path}?token=${encodeURIComponent(token)}`;

export interface NewUser {
  username: string;
  email: string;
  role?: Role;
}

/** Username and email as they will be stored, or a 422 naming the field. */
function normalised(input: { username?: string; email?: string }): { username?: string; email?: string } {
  const out: { username?: string; email?: string } = {};
  if (input.username !== undefined) {
    out.username = input.username.trim();
    if (isReservedUsername(out.username)) throw validationError({ username: "This username is reserved; choose another" });
  }
  if (input.email !== undefined) {
    const email = normaliseEmail(input.email);
    if (!email) throw validationError({ email: EMAIL_RULE });
    out.email = email;
  }
  return out;
}

/** The 409 for a taken username or email, naming which (the unique indexes on lower() decide). */
async function takenConflict(deps: Deps, fields: { username?: string; email?: string }, exceptId?: string): Promise<AppError | null> {
  const taken: Record<string, string> = {};
  const db = deps.database.db;
  // A username cannot hold "@", so a login lookup by username finds only a username.
  const byName = fields.username === undefined ? undefined : await findUserByLogin(db, fields.username);
  if (byName && byName.id !== exceptId) taken.username = "This username is taken";
  const byEmail = fields.email === undefined ? undefined : await findUserByEmail(db, fields.email);
  if (byEmail && byEmail.id !== exceptId) taken.email = "An account with this email already exists";
  return Object.keys(taken).length > 0 ? new AppError("conflict", "Username or email is already registered", { fields: taken }) : null;
}

/** A unique index refused the write (two admins racing for one name): the same 409, with the fields. */
async function orConflict<T>(deps: Deps, fields: { username?: string; email?: string }, exceptId: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw (await takenConflict(deps, fields, exceptId)) ?? new AppError("conflict", "Username or email is already registered");
    throw error;
  }
}

/** Mails a fresh invitation (older ones stop working); false when the account is disabled or gone. */
export async function sendInvitation(deps: Deps, admin: User, user: User): Promise<boolean> {
  const token = await issueOneTimeToken(deps.database.db, user.id, "invite", now(deps));
  if (!token) return false;
  deps.mailer.send(invitationEmail(user.email, user.username, admin.username, link(deps, "/invite", token), TOKEN_TTL_MS.invite / 86_400_000));
  return true;
}

/**
 * Creates an account without a password and mails its owner an invitation to choose one
 * (POST /auth/accept-invite). The address is verified when the invitation is accepted: only
 * its owner can open the link.
 */
export async function createUser(deps: Deps, admin: User, input: NewUser, client: ClientInfo): Promise<User> {
  const fields = normalised(input) as { username: string; email: string };
  const conflict = await takenConflict(deps, fields);
  if (conflict) throw conflict;
  const at = now(deps);
  const role = input.role ?? "user";
  const user = await orConflict(deps, fields, undefined, () =>
    deps.database.db.transaction(async (tx) => {
      // The acting admin must still be one, under lock, as for every other admin change.
      await guardedTarget(tx, admin, admin.id, null);
      const [row] = await tx.insert(users).values({ username: fields.username, email: fields.email, role, createdAt: at, updatedAt: at }).returning();
      await recordAudit(tx, { action: "admin_user_created", actor: actorOf(admin, client), targetId: row!.id, at, details: { username: row!.username, email: row!.email, role } });
      return row!;
    }),
  );
  await sendInvitation(deps, admin, user);
  return user;
}

export interface UserChanges {
  username?: string;
  email?: string;
  email_verified?: boolean;
}

/**
 * Edits username, email and the verified mark. A new address is unverified unless the same
 * request says otherwise, and links mailed to the old one stop working.
 */
export async function updateUser(deps: Deps, admin: User, targetId: string, changes: UserChanges, client: ClientInfo): Promise<User> {
  if (!isUuid(targetId)) throw notFound("User");
  const fields = normalised(changes);
  const conflict = await takenConflict(deps, fields, targetId);
  if (conflict) throw conflict;
  const at = now(deps);
  const updated = await orConflict(deps, fields, targetId, () =>
    deps.database.db.transaction(async (tx) => {
      const target = await guardedTarget(tx, admin, targetId, null);
      const next = {
        username: fields.username ?? target.username,
        email: fields.email ?? target.email,
        emailVerified: changes.email_verified ?? (fields.email !== undefined && fields.email !== target.email ? false : target.emailVerified),
      };
      const diff: Record<string, { from: unknown; to: unknown }> = {};
      if (next.username !== target.username) diff.username = { from: target.username, to: next.username };
      if (next.email !== target.email) diff.email = { from: target.email, to: next.email };
      if (next.emailVerified !== target.emailVerified) diff.email_verified = { from: target.emailVerified, to: next.emailVerified };
      if (Object.keys(diff).length === 0) return target;
      const [row] = await tx
        .update(users)
        .set({ ...next, emailVerifiedAt: next.emailVerified ? (target.emailVerifiedAt ?? at) : null, updatedAt: at })
        .where(eq(users.id, target.id))
        .returning();
      if (diff.email) await voidOneTimeTokens(tx, target.id, at);
      await recordAudit(tx, { action: "admin_user_updated", actor: actorOf(admin, client), targetId: target.id, at, details: diff });
      return row!;
    }),
  );
  // After commit: every instance's copy of the account is stale from the next request on.
  await accountChanged(deps, updated.id);
  return updated;
}

/** Mails the user a password reset link (a disabled account gets none: 403). */
export async function sendResetLink(deps: Deps, admin: User, targetId: string, client: ClientInfo): Promise<void> {
  if (!isUuid(targetId)) throw notFound("User");
  const user = await findUserById(deps.database.db, targetId);
  if (!user) throw notFound("User");
  if (user.disabledAt) throw new AppError("account_disabled", "This account is disabled: enable it before sending a reset link");
  const token = await issueOneTimeToken(deps.database.db, user.id, "reset_password", now(deps));
  if (!token) throw new AppError("account_disabled");
  deps.mailer.send(passwordResetEmail(user.email, user.username, link(deps, "/reset-password", token), TOKEN_TTL_MS.reset_password / 60_000));
  await recordAudit(deps.database.db, { action: "password_reset_requested", actor: actorOf(admin, client), targetId: user.id, at: now(deps) });
}

/** Ends every session of the user at once, on every instance. Not your own (your dashboard does that). */
export async function endAllSessions(deps: Deps, admin: User, targetId: string, client: ClientInfo): Promise<number> {
  if (!isUuid(targetId)) throw notFound("User");
  const at = now(deps);
  const ended = await deps.database.db.transaction(async (tx) => {
    const target = await guardedTarget(tx, admin, targetId, "logout_all");
    const ended = await endUserSessions(tx, target.id, "admin", at);
    await recordAudit(tx, { action: "admin_logout_all", actor: actorOf(admin, client), targetId: target.id, at, details: { sessions_ended: ended.length } });
    return ended;
  });
  await markSessionsRevoked(deps, ended);
  return ended.length;
}

export const BULK_ACTIONS = ["disable", "enable", "delete", "logout_all"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
export interface BulkResult {
  id: string;
  ok: boolean;
  code?: string;
}

const single: Record<BulkAction, (deps: Deps, admin: User, id: string, client: ClientInfo) => Promise<unknown>> = {
  disable: (deps, admin, id, client) => setUserDisabled(deps, admin, id, true, client),
  enable: (deps, admin, id, client) => setUserDisabled(deps, admin, id, false, client),
  delete: (deps, admin, id, client) => deleteUser(deps, admin, id, client),
  logout_all: (deps, admin, id, client) => endAllSessions(deps, admin, id, client),
};

/**
 * One single action per id, in order, each in its own transaction under its own rules: the
 * last active admin survives a bulk disable or delete of every admin (the ids before it
 * succeed, it gets `last_admin`), and the acting admin gets `cannot_modify_self`. An id listed
 * twice is acted on once. Errors that are not a refusal (the database is down) stop the batch.
 */
export async function bulkAction(deps: Deps, admin: User, action: BulkAction, ids: string[], client: ClientInfo): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const id of [...new Set(ids.map((id) => id.toLowerCase()))]) {
    try {
      await single[action](deps, admin, id, client);
      results.push({ id, ok: true });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // The acting admin lost the right to act midway (demoted, disabled): stop here, as a single request would.
      if (error.code === "forbidden") throw error;
      results.push({ id, ok: false, code: error.code });
    }
  }
  return results;
}

/** The accounts of some ids (those that exist), for a confirmation listing them. */
export function findUsers(deps: Deps, ids: string[]): Promise<User[]> {
  const valid = ids.filter(isUuid);
  return valid.length === 0 ? Promise.resolve([]) : deps.database.reader.select().from(users).where(inArray(users.id, valid)).orderBy(users.username);
}
