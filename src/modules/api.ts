/**
 * Everything under /api/v1 (and its alias /api), with the rate limits of DESIGN.md §5 in one
 * table: the sign-in, sign-up, refresh and email routes have their own budgets, the rest share one.
 */
import { Elysia } from "elysia";
import type { Deps } from "../deps";
import { requestMeta } from "../http/context";
import { type Bucket, RateLimiter, rateLimitHeaders } from "../http/rate-limit";
import { accountController } from "./account";
import { adminController } from "./admin";
import { authController } from "./auth";

const ROUTE_BUCKETS: Record<string, Bucket> = {
  "POST /auth/login": "login",
  "POST /auth/register": "register",
  "POST /auth/refresh": "refresh",
  "POST /auth/forgot-password": "email",
  "POST /auth/send-verification": "email",
  "POST /auth/reset-password": "email",
};

export function apiRoutes(deps: Deps, prefix: "/api" | "/api/v1", limiter: RateLimiter) {
  return new Elysia({ prefix })
    .onBeforeHandle(async ({ request, route, set }) => {
      const bucket = ROUTE_BUCKETS[`${request.method} ${route.slice(prefix.length)}`] ?? "api";
      const state = await limiter.consume(bucket, requestMeta(request)?.ip ?? "unknown");
      if (state) Object.assign(set.headers, rateLimitHeaders(state));
    })
    .use(authController(deps))
    .use(accountController(deps))
    .use(adminController(deps));
}
