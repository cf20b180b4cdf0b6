/**
 * The policy macros every route may declare, for the API and the pages alike:
 * `auth`, `role`, `viewer` (src/http/session.ts) and `rateLimit` (src/http/rate-limit.ts).
 */
import { Elysia } from "elysia";
import type { Deps } from "../deps";
import { rateLimitMacro } from "./rate-limit";
import { sessionGuard } from "./session";

export const policy = (deps: Deps) => new Elysia().use(sessionGuard(deps)).use(rateLimitMacro(deps));
