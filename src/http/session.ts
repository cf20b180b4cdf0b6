/**
 * The one way a request becomes a signed-in user, for the API and the pages alike
 * (docs/architecture.md, "Sessions"): read the bearer header or the access-token cookie, check
 * the signature, ask the store in one round trip whether the token, its session or its user
 * has been revoked (a store outage fails closed with 503). Browsers keep both tokens in HttpOnly
 * cookies; a page request whose access token is missing or expired is refreshed on the spot.
 *
 * Routes declare what they need as macros:
 *   `auth: true`       any signed-in caller whose account exists and is enabled (401 otherwise)
 *   `role: "admin"`    an administrator (403)
 * Every one of them reads the account's state from the database: an instance's copy of the row
 * serves while the store says it is current (src/modules/users/account-cache.ts), so a disable,
 * delete or role change bites on the next request on every instance.
 *   `scopes: [...]`    a route personal access tokens may call too (alone instead of `auth: true`,
 *                      or beside `role`): a `cbt_` bearer token whose scopes include one of these.
 *                      `auth: true` and `role` routes without it answer every PAT with 403
 *                      `insufficient_scope` (tokens, password, email, factors, the account).
 *   `viewer: "optional" | "required" | "admin"`   the page flavour: the browser session, CSRF
 *                      checked on unsafe methods, and a redirect to sign-in instead of a 401.
 *   `recentAuth: true` (src/http/recent-auth.ts, beside `auth` or `viewer`): this session
 *                      authenticated within five minutes, else 403 `reauthentication_required`.
 *   `factorSetup: true` a route a user who must enrol a second factor (MFA_REQUIRED_ROLES) may
 *                      still reach; every other `auth`/`role`/`scopes`/`viewer` route refuses
 *                      that user's session with 403 `mfa_setup_required` (docs/mfa.md).
 */
import { type Cookie, Elysia } from "elysia";
import type { Config } from "../config";
import type { PatScope, Role, User } from "../db/schema";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE } from "../modules/auth/device";
import { refresh, type SignedIn } from "../modules/auth/service";
import { revocationKeys } from "../modules/auth/sessions";
import { type AccessClaims, type AuthContext, authContextOf } from "../modules/auth/tokens";
import { hasFactor } from "../modules/mfa/factors";
import { looksLikePat } from "../modules/pats/format";
import { authenticatePat, authorizePat } from "../modules/pats/service";
import { storeKeys } from "../store/keys";
import { requestMeta } from "./context";
import { type CookieAccess, cookieAccess } from "./cookies";
import { policyNote } from "./model";
import { CSRF_FIELD, isUnsafeMethod, verifyCsrf } from "./origin";
import { limiterFor } from "../rate-limits";

export const ACCESS_COOKIE = "access_token";
export const REFRESH_COOKIE = "refresh_token";

export interface Viewer {
  auth: AuthContext;
  user: User;
}

/** A caller signed in with a session's access token, with its account as read on this request. */
export interface SessionCaller extends AuthContext {
  /** Exists and is not disabled; role and profile as the primary has them. */
  user: User;
}

/** After a sign-in or refresh. API clients get the refresh cookie; browsers on the pages get the access token as a cookie too. */
export function setSessionCookies(cookies: CookieAccess, config: Config, result: SignedIn, options: { access: boolean }): void {
  if (options.access) cookies.set(ACCESS_COOKIE, result.accessToken, result.expiresIn);
  // A refresh inside the grace window answers no new refresh token: the current cookie stays.
  if (result.refreshToken) cookies.set(REFRESH_COOKIE, result.refreshToken, config.refreshTokenTtl);
  if (result.deviceToken) cookies.set(DEVICE_COOKIE, result.deviceToken, DEVICE_COOKIE_MAX_AGE);
}

export function clearSessionCookies(cookies: CookieAccess): void {
  cookies.remove(ACCESS_COOKIE);
  cookies.remove(REFRESH_COOKIE);
}

/** While an administrator impersonates in this browser, their own refresh token waits here (docs/impersonation.md). */
export const OWN_SESSION_COOKIE = "own_refresh_token";

/** The browser switches to the impersonated session; the administrator's own is kept aside, untouched. */
export function setImpersonationCookies(cookies: CookieAccess, config: Config, started: { accessToken: string; expiresIn: number; refreshToken: string; endsAt: Date }, now: number): void {
  const own = cookies.get(REFRESH_COOKIE);
  if (own) cookies.set(OWN_SESSION_COOKIE, own, config.refreshTokenTtl);
  cookies.set(ACCESS_COOKIE, started.accessToken, started.expiresIn);
  cookies.set(REFRESH_COOKIE, started.refreshToken, Math.max(1, Math.ceil((started.endsAt.getTime() - now) / 1000)));
}

/** After an impersonation (stopped, or over): the administrator's own session comes back, if one was kept. */
export function restoreOwnSessionCookies(cookies: CookieAccess, config: Config): boolean {
  const own = cookies.get(OWN_SESSION_COOKIE);
  if (!own) return false;
  clearSessionCookies(cookies);
  cookies.set(REFRESH_COOKIE, own, config.refreshTokenTtl);
  cookies.remove(OWN_SESSION_COOKIE);
  return true;
}

/** The bearer token, else the access cookie. A malformed Authorization header is an empty (invalid) token, never a fallback to the cookie. */
export function readAccessToken(authorization: string | undefined | null, cookieValue: unknown): string | undefined {
  if (authorization) return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? "";
  return typeof cookieValue === "string" && cookieValue !== "" ? cookieValue : undefined;
}

/** The claims of a well-signed, unexpired token, revoked or not (sign-out ends whatever it is given). */
export async function presentedClaims(deps: Deps, token: string | undefined): Promise<AccessClaims | undefined> {
  return token ? ((await deps.accessTokens.verify(token, Math.floor(deps.clock.now() / 1000))) ?? undefined) : undefined;
}

/** A caller authenticated by a personal access token (docs/tokens.md). */
export interface TokenCaller {
  kind: "pat";
  userId: string;
  tokenId: string;
  scopes: PatScope[];
  /** The owner as read on this request (role and disabled state fresh). */
  user: User;
}

/** Whoever a route that declares `scopes` may be called by: a session, or a personal access token. */
export type Caller = SessionCaller | TokenCaller;

export const isTokenCaller = (caller: Caller): caller is TokenCaller => "kind" in caller && caller.kind === "pat";

interface Presented {
  /** From the Authorization header: a personal access token is only ever a bearer token, never a cookie. */
  bearer?: boolean;
  /** For a PAT: the scopes the route allows it (none: the route refuses PATs), and the request its use is recorded on. */
  scopes?: readonly PatScope[];
  request?: Request;
}

/**
 * The one way a presented token becomes a caller: a session's access token (bearer or cookie),
 * or a `cbt_` bearer token, a personal access token checked against the database, the route's
 * scopes and its owner's role (src/modules/pats).
 */
export async function authenticate(deps: Deps, token: string | undefined, presented: Presented & { bearer: true }): Promise<Caller>;
export async function authenticate(deps: Deps, token: string | undefined, presented?: Presented): Promise<SessionCaller>;
export async function authenticate(deps: Deps, token: string | undefined, presented: Presented = {}): Promise<Caller> {
  if (token === undefined) throw new AppError("unauthorized", "Sign in to continue: send a bearer token");
  if (presented.bearer && looksLikePat(token)) return patCaller(deps, token, presented);
  const claims = await presentedClaims(deps, token);
  if (!claims) throw new AppError("invalid_token", "The access token is invalid or has expired");
  // One round trip: the three revocation marks, the account's version and the store's epoch.
  const [jti, sid, uid, version, epoch] = await deps.store.getMany([...revocationKeys(claims), storeKeys.accountVersion(claims.sub), storeKeys.accountEpoch]);
  if (jti !== null || sid !== null || uid !== null) throw new AppError("invalid_token", "The access token has been revoked");
  // The marks are a fast path, not the truth: the account's row decides (they may be gone after a store restart).
  const stamp = { version: version ?? null, epoch: epoch ?? null };
  const copy = deps.accounts.peek(claims.sub, stamp, deps.clock.now());
  const user = copy !== undefined ? copy : await deps.accounts.read(deps, claims.sub, stamp);
  if (!user || user.disabledAt) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  return { userId: claims.sub, sessionId: claims.sid, claims, user };
}

async function patCaller(deps: Deps, token: string, { scopes, request }: Presented): Promise<TokenCaller> {
  const meta = request ? requestMeta(request) : undefined;
  const caller = await authenticatePat(deps, token, meta?.ip ?? null);
  authorizePat(caller, scopes);
  // The audit of whatever this request does names the token (clientInfo carries it).
  if (meta) meta.tokenId = caller.pat.id;
  return { kind: "pat", userId: caller.user.id, tokenId: caller.pat.id, scopes: caller.pat.scopes, user: caller.user };
}

/** The role as read on this request (never the token's claim), so a demotion bites on the next request. */
export function requireRole(user: User, role: Role): User {
  if (role === "admin" && user.role !== "admin") throw new AppError("forbidden", "Administrator access required");
  return user;
}

/** A page that needs a signed-in browser was asked for without one: pages answer it with a redirect to sign-in. */
export class SignInRequired extends AppError {
  constructor() {
    super("unauthorized", "Sign in to continue");
  }
}

/** 401/403 from the auth layer mean "not signed in any more", not a failure of the page. */
const isSignedOut = (error: unknown) => error instanceof AppError && (error.status === 401 || error.status === 403);

async function viewerFromAccessCookie(deps: Deps, token: string): Promise<Viewer | null> {
  try {
    const { user, ...auth } = await authenticate(deps, token);
    return { auth, user };
  } catch (error) {
    if (isSignedOut(error)) return null;
    throw error;
  }
}

async function viewerFromRefreshCookie(deps: Deps, cookies: CookieAccess, token: string, request: Request): Promise<Viewer | null> {
  try {
    const meta = requestMeta(request);
    // The same budget as POST /auth/refresh: a stolen cookie cannot be hammered through pages.
    await limiterFor(deps).consume("refresh", meta?.ip ?? "unknown");
    const result = await refresh(deps, token, { ip: meta?.ip ?? null, userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null });
    setSessionCookies(cookies, deps.config, result, { access: true });
    return { auth: authContextOf(result.claims), user: result.user };
  } catch (error) {
    if (isSignedOut(error)) return null;
    throw error;
  }
}

/**
 * Who is signed in in this browser, refreshing transparently; clears the cookies of a session that
 * is over. When that was an impersonation (it ran out, or was signed out of), the administrator's
 * session kept aside at its start comes back (docs/impersonation.md).
 */
export async function browserViewer(deps: Deps, cookies: CookieAccess, request: Request): Promise<Viewer | null> {
  return (await currentViewer(deps, cookies, request)) ?? (await keptOwnViewer(deps, cookies, request));
}

async function currentViewer(deps: Deps, cookies: CookieAccess, request: Request): Promise<Viewer | null> {
  const access = cookies.get(ACCESS_COOKIE);
  const refreshToken = cookies.get(REFRESH_COOKIE);
  if (!access && !refreshToken) return null;
  const viewer = (access ? await viewerFromAccessCookie(deps, access) : null) ?? (refreshToken ? await viewerFromRefreshCookie(deps, cookies, refreshToken, request) : null);
  if (!viewer) clearSessionCookies(cookies);
  return viewer;
}

async function keptOwnViewer(deps: Deps, cookies: CookieAccess, request: Request): Promise<Viewer | null> {
  const own = cookies.get(OWN_SESSION_COOKIE);
  if (!own) return null;
  cookies.remove(OWN_SESSION_COOKIE);
  return viewerFromRefreshCookie(deps, cookies, own, request);
}

/** The browser session of a page request, once the `viewer` macro has resolved it (pages may end it mid-request). */
const viewers = new WeakMap<Request, Viewer | null>();
export const viewerOf = (request: Request) => viewers.get(request) ?? null;
export const setViewer = (request: Request, viewer: Viewer | null) => viewers.set(request, viewer);

function formField(body: unknown, name: string): string | undefined {
  const value = body instanceof FormData ? body.get(name) : typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === "string" ? value : undefined;
}

function tagLogLine(request: Request, auth: Pick<AuthContext, "userId">): void {
  const meta = requestMeta(request);
  if (meta) meta.userId = auth.userId;
}

export interface GuardInput {
  headers: Record<string, string | undefined>;
  cookie: Record<string, Cookie<unknown>>;
  request: Request;
}

/** The scopes a route declares for personal access tokens, recorded before any guard runs (the `scopes` macro's transform). */
const declaredScopes = new WeakMap<Request, readonly PatScope[]>();
/** One authentication per request, however many macros of the route ask for it. */
const callers = new WeakMap<Request, Promise<Caller>>();

/** The access cookie by its name, without parsing the whole header (as a page's cookie jar would). */
const ACCESS_COOKIE_VALUE = new RegExp(`(?:^|;\\s*)${ACCESS_COOKIE}=([^;]*)`);

function accessCookie(request: Request): string | undefined {
  const raw = ACCESS_COOKIE_VALUE.exec(request.headers.get("cookie") ?? "")?.[1]?.trim();
  if (!raw || !raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The macros below take only `request` from the context: Elysia parses cookies and copies the
 * headers into an object for any hook that asks for them, which a bearer request has no use for.
 */
function authenticateRequest(deps: Deps, request: Request): Promise<Caller> {
  let pending = callers.get(request);
  if (!pending) {
    pending = (async () => {
      const authorization = request.headers.get("authorization");
      const token = readAccessToken(authorization, authorization ? undefined : accessCookie(request));
      const caller = await authenticate(deps, token, { bearer: Boolean(authorization), scopes: declaredScopes.get(request), request });
      tagLogLine(request, caller);
      return caller;
    })();
    callers.set(request, pending);
  }
  return pending;
}

/** Routes declared with `viewer` (recorded by its transform, before any resolve runs). */
const pageRequests = new WeakSet<Request>();
/** One browser-session lookup per request, however many macros ask (it may refresh the tokens). */
const viewerLookups = new WeakMap<Request, Promise<Viewer | null>>();

function lookUpViewer(deps: Deps, cookies: CookieAccess, request: Request): Promise<Viewer | null> {
  let pending = viewerLookups.get(request);
  if (!pending) {
    pending = browserViewer(deps, cookies, request);
    viewerLookups.set(request, pending);
  }
  return pending;
}

/**
 * The session a route's other macros (`recentAuth`) act on: the browser's on a page route, the
 * bearer's or access cookie's on an API route; never a personal access token. Whichever macro
 * resolves first does the work, the others share it.
 */
export async function requestSession(deps: Deps, context: GuardInput): Promise<AuthContext> {
  if (!pageRequests.has(context.request)) return sessionCaller(deps, context.request);
  const viewer = await lookUpViewer(deps, cookieAccess(context.cookie, deps.config), context.request);
  if (!viewer) throw new SignInRequired();
  return viewer.auth;
}

/** Routes declared with `factorSetup: true` (recorded by its transform). */
const factorSetupRequests = new WeakSet<Request>();

/**
 * MFA_REQUIRED_ROLES, checked once here for every signed-in route: a session of a user in such a
 * role who has no second factor reaches only the routes that set one up. Personal access tokens
 * are not sessions and are not held to it (creating one needs a session, which is).
 */
async function requireFactorIfDue(deps: Deps, request: Request, auth: Pick<AuthContext, "userId">, role: Role): Promise<void> {
  if (factorSetupRequests.has(request) || !deps.config.mfaRequiredRoles.includes(role)) return;
  if (!(await hasFactor(deps.database.db, auth.userId))) throw new AppError("mfa_setup_required");
}

/** `auth: true`: a session only (a PAT reaches here only on a route that declares `scopes`, and then not through this macro). */
async function sessionCaller(deps: Deps, request: Request): Promise<SessionCaller> {
  const caller = await authenticateRequest(deps, request);
  if (isTokenCaller(caller)) throw new AppError("insufficient_scope", "Personal access tokens cannot be used on this route", { required: [] });
  return caller;
}

export function sessionGuard(deps: Deps) {
  return new Elysia().macro({
    auth: {
      detail: policyNote({ "x-auth": "bearer token or access cookie" }),
      async resolve({ request }) {
        const auth = await sessionCaller(deps, request);
        await requireFactorIfDue(deps, request, auth, auth.user.role);
        return { auth };
      },
    },
    factorSetup: {
      transform({ request }) {
        factorSetupRequests.add(request);
      },
    },
    role: (role: Role) => ({
      detail: policyNote({ "x-auth": `role ${role}` }),
      async resolve({ request }) {
        const auth = await authenticateRequest(deps, request);
        const currentUser = requireRole(auth.user, role);
        // A session's account and a PAT's owner were both read on this request: a demotion counts at once.
        if (!isTokenCaller(auth)) await requireFactorIfDue(deps, request, auth, currentUser.role);
        return { auth, currentUser };
      },
    }),
    scopes: (scopes: PatScope[]) => ({
      detail: policyNote({ "x-pat-scopes": scopes.join(" ") }),
      transform({ request }) {
        declaredScopes.set(request, scopes);
      },
      async resolve({ request }) {
        const auth = await authenticateRequest(deps, request);
        if (!isTokenCaller(auth)) await requireFactorIfDue(deps, request, auth, auth.user.role);
        return { auth };
      },
    }),
    viewer: (need: "optional" | "required" | "admin") => ({
      detail: policyNote({ "x-auth": `browser session (${need})` }),
      transform({ request }) {
        pageRequests.add(request);
      },
      async resolve({ request, cookie, body }) {
        const cookies = cookieAccess(cookie, deps.config);
        const viewer = await lookUpViewer(deps, cookies, request);
        setViewer(request, viewer);
        if (viewer) tagLogLine(request, viewer.auth);
        // Signed out first: a form from a tab left open after a sign-out elsewhere carries a token
        // of the ended session, and "you were signed out" is the true answer, not "another site".
        // Nothing is done for a visitor on these routes, so refusing before the CSRF check is safe.
        if (need !== "optional" && !viewer) throw new SignInRequired();
        if (isUnsafeMethod(request.method)) verifyCsrf(deps.config, request, cookies, formField(body, CSRF_FIELD), viewer?.auth.sessionId);
        // The role as read on this request: a demotion bites on the next request.
        if (need === "admin" && viewer) requireRole(viewer.user, "admin");
        if (need !== "optional" && viewer) await requireFactorIfDue(deps, request, viewer.auth, viewer.user.role);
        return { viewer };
      },
    }),
  });
}
