/**
 * Shared rate limits: one atomic store step per check, keyed by bucket and client (IP or
 * account). When the store is unreachable, limits fail open: logged, counted, request allowed.
 */
import type { Config, RateLimit } from "../config";
import { rateLimited } from "../errors";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { Store } from "../store";

export type Bucket = keyof Config["rateLimits"];

export interface LimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export class RateLimiter {
  constructor(
    private readonly store: Store,
    private readonly limits: Config["rateLimits"],
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** Counts one request; throws the 429 AppError when over the limit. Null when the bucket is off or the store is down. */
  async consume(bucket: Bucket, subject: string): Promise<LimitState | null> {
    const limit = this.limits[bucket];
    if (!limit) return null;
    const state = await this.count(`rl:${bucket}:${subject}`, limit);
    if (state && state.remaining < 0) {
      this.metrics.rateLimited.inc({ bucket });
      throw rateLimited(state.resetSeconds, limit.limit);
    }
    return state;
  }

  private async count(key: string, limit: RateLimit): Promise<LimitState | null> {
    try {
      const { count, resetMs } = await this.store.hit(key, limit.windowSeconds * 1000);
      return { limit: limit.limit, remaining: limit.limit - count, resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)) };
    } catch (error) {
      this.failedOpen(error);
      return null;
    }
  }

  private failedOpen(error: unknown): void {
    this.metrics.storeErrors.inc({ effect: "failed_open" });
    this.logger.warn("rate limit skipped: store unavailable", { error: error instanceof Error ? error.message : String(error) });
  }
}

export function rateLimitHeaders(state: LimitState): Record<string, string> {
  return {
    "ratelimit-limit": String(state.limit),
    "ratelimit-remaining": String(Math.max(0, state.remaining)),
    "ratelimit-reset": String(state.resetSeconds),
  };
}
