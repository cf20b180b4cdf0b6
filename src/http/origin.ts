/**
 * Where a request comes from, for both front ends (docs/architecture.md, "Cross-site requests"):
 * - the API refuses an unsafe request that authenticates with our cookies from a foreign origin
 *   (bearer clients and clients that send no Origin, like curl, are not browsers riding on cookies);
 * - pages refuse every unsafe request from a foreign origin, and also need a CSRF token: an HMAC
 *   (keyed with JWT_SECRET) of a random per-browser cookie and the session id, so a token learned
 *   before sign-in, or in someone else's session, is worthless. htmx sends it as X-CSRF-Token
 *   (public/app.js); plain forms as `_csrf`.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Config } from "../config";
import { AppError } from "../errors";
import type { CookieAccess } from "./cookies";

export const CSRF_COOKIE = "csrf";
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";
const CSRF_COOKIE_MAX_AGE = 400 * 24 * 3600;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

type OriginConfig = Pick<Config, "appUrl" | "corsOrigins">;

export class CsrfError extends AppError {
  constructor(readonly reason: "origin" | "token") {
    super("csrf_failed", reason === "origin" ? "This request came from another site" : "This form has expired", { reason });
  }
}

export const isUnsafeMethod = (method: string) => !SAFE_METHODS.has(method.toUpperCase());

const originsByConfig = new WeakMap<OriginConfig, Set<string>>();
function allowedOrigins(config: OriginConfig): Set<string> {
  let origins = originsByConfig.get(config);
  if (!origins) {
    origins = new Set([new URL(config.appUrl).origin, ...config.corsOrigins]);
    originsByConfig.set(config, origins);
  }
  return origins;
}

/**
 * "ours": an allowed Origin, or the browser's own Sec-Fetch-Site: same-origin (a page cannot forge
 * it); "unknown": neither header (an old browser or a script: left to the other checks);
 * "foreign": anything else.
 */
export function requestOrigin(headers: Headers, config: OriginConfig): "ours" | "foreign" | "unknown" {
  const origin = headers.get("origin");
  const site = headers.get("sec-fetch-site");
  if (origin && origin !== "null" && allowedOrigins(config).has(origin)) return "ours";
  if (site === "same-origin") return "ours";
  return !origin && !site ? "unknown" : "foreign";
}

export const originAllowed = (headers: Headers, config: OriginConfig) => requestOrigin(headers, config) !== "foreign";

/** The API's rule: cookies ride along on cross-site requests, bearer headers do not. */
export function refuseCrossSiteCookieRequest(request: Request, config: OriginConfig, usesSessionCookie: boolean): void {
  if (!isUnsafeMethod(request.method) || request.headers.has("authorization") || !usesSessionCookie) return;
  if (request.headers.get("origin") && requestOrigin(request.headers, config) === "foreign") throw new AppError("cross_site_request");
}

function sign(secret: string, browserSecret: string, sessionId: string | undefined): string {
  return createHmac("sha256", secret).update(`csrf|${browserSecret}|${sessionId ?? "-"}`).digest("base64url");
}

/** Makes sure the browser has its secret cookie and returns the token for this session. */
export function issueCsrfToken(config: Config, cookies: CookieAccess, sessionId: string | undefined): string {
  let browserSecret = cookies.get(CSRF_COOKIE);
  if (!browserSecret || browserSecret.length > 100) {
    browserSecret = randomBytes(32).toString("base64url");
    cookies.set(CSRF_COOKIE, browserSecret, CSRF_COOKIE_MAX_AGE);
  }
  return sign(config.jwtSecret, browserSecret, sessionId);
}

function tokensMatch(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws CsrfError (403) unless a page's unsafe request passes both checks. Call once the session is known. */
export function verifyCsrf(config: Config, request: Request, cookies: CookieAccess, formToken: string | undefined, sessionId: string | undefined): void {
  if (requestOrigin(request.headers, config) === "foreign") throw new CsrfError("origin");
  const browserSecret = cookies.get(CSRF_COOKIE);
  const presented = request.headers.get(CSRF_HEADER) ?? formToken;
  if (!browserSecret || !presented || !tokensMatch(presented, sign(config.jwtSecret, browserSecret, sessionId))) throw new CsrfError("token");
}
