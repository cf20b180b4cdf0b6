/**
 * The guard every protected route declares: `auth: true` for any signed-in user,
 * `role: "admin"` for admins. It reads the bearer header or the access-token cookie, checks
 * the signature, then asks the store in one round trip whether the token, its session or its
 * user has been revoked (a store outage fails closed with 503).
 */
import { Elysia } from "elysia";
import type { Role, User } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { requestMeta } from "../../http/context";
import { findUserById } from "../users/service";
import type { AuthContext } from "./service";
import { revocationKeys } from "./sessions";

export const ACCESS_COOKIE = "access_token";
export const REFRESH_COOKIE = "refresh_token";

export function readAccessToken(authorization: string | undefined, cookieValue: unknown): string | undefined {
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? "";
  }
  return typeof cookieValue === "string" && cookieValue !== "" ? cookieValue : undefined;
}

export async function authenticate(deps: Deps, token: string | undefined): Promise<AuthContext> {
  if (token === undefined) throw new AppError("unauthorized", "Sign in to continue: send a bearer token");
  const claims = await deps.accessTokens.verify(token, Math.floor(deps.clock.now() / 1000));
  if (!claims) throw new AppError("invalid_token", "The access token is invalid or has expired");
  if (await deps.store.anyExists(revocationKeys(claims))) throw new AppError("invalid_token", "The access token has been revoked");
  return { userId: claims.sub, sessionId: claims.sid, role: claims.role, claims };
}

/** Role and disabled state come from the database, so a demotion bites on the next request. */
export async function requireRole(deps: Deps, auth: AuthContext, role: Role): Promise<User> {
  const user = await findUserById(deps.database.db, auth.userId);
  if (!user || user.disabledAt) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  if (role === "admin" && user.role !== "admin") throw new AppError("forbidden", "Administrator access required");
  return user;
}

interface GuardInput {
  headers: Record<string, string | undefined>;
  cookie: Record<string, { value: unknown } | undefined>;
  request: Request;
}

/** Authenticates the request and tags its log line with the user. */
async function authenticateRequest(deps: Deps, { headers, cookie, request }: GuardInput): Promise<AuthContext> {
  const auth = await authenticate(deps, readAccessToken(headers.authorization, cookie[ACCESS_COOKIE]?.value));
  const meta = requestMeta(request);
  if (meta) meta.userId = auth.userId;
  return auth;
}

export function authGuard(deps: Deps) {
  return new Elysia().macro({
    auth: {
      async resolve(context) {
        return { auth: await authenticateRequest(deps, context) };
      },
    },
    role: (role: Role) => ({
      async resolve(context) {
        const auth = await authenticateRequest(deps, context);
        return { auth, currentUser: await requireRole(deps, auth, role) };
      },
    }),
  });
}
