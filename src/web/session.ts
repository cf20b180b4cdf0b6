/**
 * Browser sessions: the access token and the refresh token live in HttpOnly cookies. A page
 * request with a missing or expired access token and a live refresh token is refreshed on the
 * spot (both cookies rotated), so a visitor stays signed in as long as the session lives.
 */
import { AppError } from "../errors";
import { ACCESS_COOKIE, authenticate, REFRESH_COOKIE } from "../modules/auth/guard";
import { type AuthContext, getCurrentUser, refresh, type SignedIn } from "../modules/auth/service";
import type { PageContext, Viewer } from "./context";

/** 401/403 from the auth layer mean "not signed in any more", not a failure of the page. */
function isSignedOut(error: unknown): boolean {
  return error instanceof AppError && (error.status === 401 || error.status === 403);
}

export function setSessionCookies(ctx: PageContext, result: SignedIn): void {
  const { config } = ctx.deps;
  ctx.cookies.set(ACCESS_COOKIE, result.accessToken, { maxAge: result.expiresIn });
  // A refresh inside the grace window answers no new refresh token: the current cookie stays.
  if (result.refreshToken) ctx.cookies.set(REFRESH_COOKIE, result.refreshToken, { maxAge: config.refreshTokenTtl });
}

export function clearSessionCookies(ctx: PageContext): void {
  ctx.cookies.remove(ACCESS_COOKIE);
  ctx.cookies.remove(REFRESH_COOKIE);
}

/** After sign-out: no cookies, and the rest of this response is rendered for a visitor. */
export function endBrowserSession(ctx: PageContext): void {
  clearSessionCookies(ctx);
  ctx.viewer = null;
}

async function authFromToken(ctx: PageContext, token: string): Promise<AuthContext> {
  const claims = await ctx.deps.accessTokens.verify(token, Math.floor(ctx.deps.clock.now() / 1000));
  if (!claims) throw new AppError("invalid_token", "The new access token did not verify");
  return { userId: claims.sub, sessionId: claims.sid, role: claims.role, claims };
}

/** The user behind a verified token; a disabled or deleted account counts as signed out. */
async function viewerFor(ctx: PageContext, auth: AuthContext): Promise<Viewer | null> {
  const user = await getCurrentUser(ctx.deps, auth);
  return user.disabledAt ? null : { auth, user };
}

async function fromAccessCookie(ctx: PageContext, token: string): Promise<Viewer | null> {
  try {
    return await viewerFor(ctx, await authenticate(ctx.deps, token));
  } catch (error) {
    if (isSignedOut(error)) return null;
    throw error;
  }
}

async function fromRefreshCookie(ctx: PageContext, token: string): Promise<Viewer | null> {
  try {
    // The same budget as POST /auth/refresh: a stolen cookie cannot be hammered through pages.
    await ctx.env.limiter.consume("refresh", ctx.ip);
    const result = await refresh(ctx.deps, token, ctx.client);
    setSessionCookies(ctx, result);
    return { auth: await authFromToken(ctx, result.accessToken), user: result.user };
  } catch (error) {
    if (isSignedOut(error)) return null;
    throw error;
  }
}

/** Who is signed in, refreshing transparently; clears the cookies of a session that is over. */
export async function resolveViewer(ctx: PageContext): Promise<Viewer | null> {
  const access = ctx.cookies.get(ACCESS_COOKIE);
  const refreshToken = ctx.cookies.get(REFRESH_COOKIE);
  if (!access && !refreshToken) return null;
  const viewer = (access ? await fromAccessCookie(ctx, access) : null) ?? (refreshToken ? await fromRefreshCookie(ctx, refreshToken) : null);
  if (!viewer) clearSessionCookies(ctx);
  return viewer;
}
