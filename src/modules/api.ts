/**
 * Everything under /api/v1 (and its alias /api), with the rate limits of DESIGN.md §5 in one
 * table: the sign-in, sign-up, refresh and email routes have their own budgets, the rest share one.
 */
import { Elysia } from "elysia";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { requestMeta } from "../http/context";
import { type Bucket, RateLimiter, rateLimitHeaders } from "../http/rate-limit";
import { accountController } from "./account";
import { adminController } from "./admin";
import { authController } from "./auth";
import { oauthController } from "./oauth";

const ROUTE_BUCKETS: Record<string, Bucket> = {
  "POST /auth/login": "login",
  "POST /auth/register": "register",
  "POST /auth/refresh": "refresh",
  "POST /auth/forgot-password": "email",
  "POST /auth/send-verification": "email",
  "POST /auth/reset-password": "email",
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cookies ride along on cross-site requests; bearer headers do not. So an unsafe request that
 * relies on our cookies must come from one of our origins (or from no browser at all).
 */
function refuseCrossSiteCookieRequest(request: Request, allowedOrigins: Set<string>): void {
  if (SAFE_METHODS.has(request.method) || request.headers.has("authorization")) return;
  const origin = request.headers.get("origin");
  if (!origin || allowedOrigins.has(origin)) return;
  const cookies = request.headers.get("cookie") ?? "";
  if (!/(?:^|;\s*)(?:access_token|refresh_token)=/.test(cookies)) return;
  throw new AppError("cross_site_request");
}

export function apiRoutes(deps: Deps, prefix: "/api" | "/api/v1", limiter: RateLimiter) {
  const allowedOrigins = new Set([new URL(deps.config.appUrl).origin, ...deps.config.corsOrigins]);
  return new Elysia({ prefix })
    .onBeforeHandle(async ({ request, route, set }) => {
      refuseCrossSiteCookieRequest(request, allowedOrigins);
      const bucket = ROUTE_BUCKETS[`${request.method} ${route.slice(prefix.length)}`] ?? "api";
      const state = await limiter.consume(bucket, requestMeta(request)?.ip ?? "unknown");
      if (state) Object.assign(set.headers, rateLimitHeaders(state));
    })
    .use(authController(deps))
    .use(accountController(deps))
    .use(adminController(deps))
    .use(oauthController(deps));
}
