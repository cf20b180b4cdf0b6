import { Elysia } from "elysia";
import type { Deps } from "../deps";
import type { RateLimiter } from "../http/rate-limit";

/** The server-rendered pages (htmx + Tailwind). */
export function webRoutes(_deps: Deps, _limiter: RateLimiter) {
  return new Elysia();
}
