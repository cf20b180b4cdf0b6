/**
 * The policy macros every route may declare, for the API and the pages alike:
 * `auth`, `role`, `viewer` (src/http/session.ts), `recentAuth` (src/http/recent-auth.ts) and
 * `rateLimit` (src/http/rate-limit.ts).
 */
import { Elysia } from "elysia";
import type { Deps } from "../deps";
import { rateLimitMacro } from "./rate-limit";
import { recentAuthGuard } from "./recent-auth";
import { sessionGuard } from "./session";

export const policy = (deps: Deps) => new Elysia().use(sessionGuard(deps)).use(recentAuthGuard(deps)).use(rateLimitMacro(deps));
