/**
 * The `rateLimit` macro routes declare (`rateLimit: "login"`): one request from the client's IP
 * counted against that budget of src/rate-limits.ts, and, for personal-access-token traffic, one
 * against the token's own counter of the same budget too, wherever it is used from.
 */
import { Elysia } from "elysia";
import type { Deps } from "../deps";
import { hashToken } from "../modules/auth/tokens";
import { hasValidChecksum } from "../modules/pats/format";
import { type Bucket, type LimitState, limiterFor } from "../rate-limits";
import { requestMeta } from "./context";
import { policyNote } from "./model";

export function rateLimitHeaders(state: LimitState): Record<string, string> {
  return {
    "ratelimit-limit": String(state.limit),
    "ratelimit-remaining": String(Math.max(0, state.remaining)),
    "ratelimit-reset": String(state.resetSeconds),
  };
}

/** A well-formed PAT in the Authorization header (a broken checksum never gets a counter of its own: the guard refuses it). */
function personalAccessToken(request: Request): string | undefined {
  const token = /^Bearer\s+(cbt_\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  return token && hasValidChecksum(token) ? token : undefined;
}

/** `rateLimit: "login"` on a route: one request counted per IP, and per token for a PAT. */
export function rateLimitMacro(deps: Deps) {
  return new Elysia().macro({
    rateLimit: (bucket: Bucket) => ({
      detail: policyNote({ "x-rate-limit": bucket }),
      async beforeHandle({ request, set }) {
        const limiter = limiterFor(deps);
        const state = await limiter.consume(bucket, requestMeta(request)?.ip ?? "unknown");
        const pat = personalAccessToken(request);
        const perToken = pat ? await limiter.consume(bucket, `pat:${hashToken(pat).slice(0, 32)}`) : null;
        // The headers tell the budget that runs out first.
        const tighter = perToken && (!state || perToken.remaining < state.remaining) ? perToken : state;
        if (tighter) Object.assign(set.headers, rateLimitHeaders(tighter));
      },
    }),
  });
}
