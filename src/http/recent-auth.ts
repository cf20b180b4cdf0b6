/**
 * "Recent authentication" for sensitive changes (docs/mfa.md): the route macro `recentAuth: true`,
 * declared beside `auth: true` or `viewer`, lets a request through only if its session's last
 * authentication (the sign-in, or a later password or factor check through
 * POST /auth/reauthenticate) was within RECENT_AUTH_SECONDS; otherwise 403
 * `reauthentication_required`, which pages turn into the "confirm it is you" page.
 *
 * The moment lives on the session row (`sessions.authenticated_at`), read from the primary in the
 * one query that also checks that the session is still live.
 *
 * A session an administrator opened as the user (docs/impersonation.md) never makes a sensitive
 * change: `recentAuth` refuses it, and `notImpersonated: true` refuses it on routes that are
 * sensitive without asking for a fresh authentication (change-password, which checks the current
 * password itself; signing out everywhere; revoking tokens). 403 `impersonation_restricted`.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import { Elysia } from "elysia";
import { sessions } from "../db/schema";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import type { AuthContext } from "../modules/auth/tokens";
import { policyNote } from "./model";
import { requestSession } from "./session";

export const RECENT_AUTH_SECONDS = 5 * 60;

/** When the session last authenticated, or null when it is over (ended, expired, someone else's). */
export async function sessionAuthenticatedAt(deps: Deps, auth: Pick<AuthContext, "userId" | "sessionId">): Promise<Date | null> {
  const [row] = await deps.database.db
    .select({ authenticatedAt: sessions.authenticatedAt })
    .from(sessions)
    .where(and(eq(sessions.id, auth.sessionId), eq(sessions.userId, auth.userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date(deps.clock.now()))))
    .limit(1);
  return row?.authenticatedAt ?? null;
}

export const isRecent = (deps: Deps, authenticatedAt: Date | null) => authenticatedAt !== null && deps.clock.now() - authenticatedAt.getTime() <= RECENT_AUTH_SECONDS * 1000;

/** A session an administrator opened as the user: its tokens carry the actor claim. */
export const isImpersonated = (auth: Pick<AuthContext, "claims">): boolean => auth.claims.act !== undefined;

/** An administrator acting as the user may look and help, not take over the account. */
export function refuseImpersonation(auth: Pick<AuthContext, "claims">): void {
  if (isImpersonated(auth)) throw new AppError("impersonation_restricted");
}

/** Throws 403 reauthentication_required unless the session authenticated within the window. */
export async function requireRecentAuth(deps: Deps, auth: Pick<AuthContext, "userId" | "sessionId">): Promise<void> {
  const at = await sessionAuthenticatedAt(deps, auth);
  if (at === null) throw new AppError("invalid_token", "This session has ended; sign in again");
  if (!isRecent(deps, at)) throw new AppError("reauthentication_required", undefined, { max_age_seconds: RECENT_AUTH_SECONDS });
}

export function recentAuthGuard(deps: Deps) {
  return new Elysia().macro({
    recentAuth: {
      detail: policyNote({ "x-recent-auth": `authenticated within ${RECENT_AUTH_SECONDS} s (403 reauthentication_required)` }),
      async resolve(context) {
        const auth = await requestSession(deps, context);
        refuseImpersonation(auth);
        await requireRecentAuth(deps, auth);
        return {};
      },
    },
    notImpersonated: {
      detail: policyNote({ "x-impersonation": "refused (403 impersonation_restricted)" }),
      async resolve(context) {
        refuseImpersonation(await requestSession(deps, context));
        return {};
      },
    },
  });
}
