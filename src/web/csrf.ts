/**
 * CSRF protection for every unsafe request from a page, two independent checks:
 * 1. the browser says where the request comes from (Sec-Fetch-Site / Origin) and it is us;
 * 2. the request carries a token only our pages know: an HMAC (keyed with JWT_SECRET) of a
 *    random per-browser cookie and the session id. Binding it to the session means a token
 *    learned before sign-in, or in someone else's session, is worthless after it.
 * htmx sends the token as X-CSRF-Token (public/app.js); plain forms send it as `_csrf`.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Config } from "../config";
import { AppError } from "../errors";
import type { PageContext } from "./context";

export const CSRF_COOKIE = "csrf";
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";
const COOKIE_MAX_AGE = 400 * 24 * 3600;

export class CsrfError extends AppError {
  constructor(reason: "origin" | "token") {
    super("csrf_failed", reason === "origin" ? "This request came from another site" : "This form has expired", { reason });
  }
}

export function isUnsafeMethod(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}

function sign(secret: string, browserSecret: string, sessionId: string | undefined): string {
  return createHmac("sha256", secret).update(`csrf|${browserSecret}|${sessionId ?? "-"}`).digest("base64url");
}

/** Makes sure the browser has its secret cookie and returns the token for this session. */
export function issueCsrfToken(ctx: PageContext): string {
  let browserSecret = ctx.cookies.get(CSRF_COOKIE);
  if (!browserSecret || browserSecret.length > 100) {
    browserSecret = randomBytes(32).toString("base64url");
    ctx.cookies.set(CSRF_COOKIE, browserSecret, { maxAge: COOKIE_MAX_AGE });
  }
  return sign(ctx.deps.config.jwtSecret, browserSecret, ctx.viewer?.auth.sessionId);
}

export function allowedOrigins(config: Pick<Config, "appUrl" | "corsOrigins">): Set<string> {
  const origins = new Set(config.corsOrigins);
  origins.add(new URL(config.appUrl).origin);
  return origins;
}

/**
 * Sec-Fetch-Site: same-origin is set by the browser and cannot be forged by a page. Otherwise
 * an Origin must be on the allow list. A request with neither (an old browser, a script) is
 * left to the token check.
 */
export function originAllowed(headers: Headers, config: Pick<Config, "appUrl" | "corsOrigins">): boolean {
  const origin = headers.get("origin");
  const site = headers.get("sec-fetch-site");
  if (origin && origin !== "null" && allowedOrigins(config).has(origin)) return true;
  if (site === "same-origin") return true;
  return !origin && !site;
}

function tokensMatch(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws CsrfError (403) unless the request passes both checks. Call after the viewer is known. */
export function verifyCsrf(ctx: PageContext): void {
  if (!originAllowed(ctx.request.headers, ctx.deps.config)) throw new CsrfError("origin");
  const browserSecret = ctx.cookies.get(CSRF_COOKIE);
  const presented = ctx.request.headers.get(CSRF_HEADER) ?? ctx.form[CSRF_FIELD];
  if (!browserSecret || !presented) throw new CsrfError("token");
  if (!tokensMatch(presented, sign(ctx.deps.config.jwtSecret, browserSecret, ctx.viewer?.auth.sessionId))) throw new CsrfError("token");
}
