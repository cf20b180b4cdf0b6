/** The `rateLimit` macro routes declare (`rateLimit: "login"`): one request from the client's IP counted against that budget of src/rate-limits.ts. */
import { Elysia } from "elysia";
import type { Deps } from "../deps";
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

/** `rateLimit: "login"` on a route: one request from the client's IP counted against that budget. */
export function rateLimitMacro(deps: Deps) {
  return new Elysia().macro({
    rateLimit: (bucket: Bucket) => ({
      detail: policyNote({ "x-rate-limit": bucket }),
      async beforeHandle({ request, set }) {
        const state = await limiterFor(deps).consume(bucket, requestMeta(request)?.ip ?? "unknown");
        if (state) Object.assign(set.headers, rateLimitHeaders(state));
      },
    }),
  });
}
