/**
 * SEAM (issue 17 → the MFA issue's "recent authentication", src/modules/auth/recent-auth.ts on
 * its branch): once that is on main, POST /auth/tokens declares its `recentAuth: true` macro
 * instead and this file goes. Until then the one check is: this session signed in (or signed up)
 * within the last five minutes.
 */
import { and, eq, isNull } from "drizzle-orm";
import { sessions } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";

const RECENT_AUTH_SECONDS = 5 * 60;

export async function requireRecentSignIn(deps: Deps, sessionId: string): Promise<void> {
  const [row] = await deps.database.db
    .select({ createdAt: sessions.createdAt })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .limit(1);
  if (!row || deps.clock.now() - row.createdAt.getTime() > RECENT_AUTH_SECONDS * 1000) {
    throw new AppError("reauthentication_required", undefined, { max_age_seconds: RECENT_AUTH_SECONDS });
  }
}
