/**
 * The Redis-shaped store: what auth needs from shared, expiring state (the access-token
 * denylist, revoked sessions, rate-limit counters). One Redis implementation for many
 * instances, one in-process implementation for the embedded default; same semantics.
 */
export interface HitResult {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface Store {
  readonly kind: "redis" | "memory";
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  del(...keys: string[]): Promise<void>;
  /** Reads and deletes a key in one atomic step (GETDEL): of many concurrent takers, exactly one gets the value. */
  take(key: string): Promise<string | null>;
  /** True when at least one of the keys exists: one round trip, whatever the number of keys. */
  anyExists(keys: string[]): Promise<boolean>;
  /** The values of the keys (null where absent), in one round trip: an authenticated request's revocation check and account version. */
  getMany(keys: string[]): Promise<(string | null)[]>;
  /** Atomically counts a hit in a fixed window that starts with the first hit. */
  hit(key: string, windowMs: number): Promise<HitResult>;
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The store could not be reached; revocation checks fail closed on it, rate limits fail open. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}
