/**
 * Rate limits: every budget in one table and one limiter that counts them in the store (one
 * atomic step per check, shared by every instance). Routes spend them through the `rateLimit`
 * macro (src/http/rate-limit.ts); the per-account sign-in throttle and the mail limits are
 * methods and buckets here too. docs/architecture.md, "Rate limits", has the behaviour when the store is down:
 * sign-in budgets fall back to an in-process limiter, every other budget fails open (logged and
 * counted as `cobalt_store_errors_total{effect="failed_open"}`).
 */
import type { Config, RateLimit } from "./config";
import type { Deps } from "./deps";
import { rateLimited } from "./errors";
import { storeKeys } from "./store/keys";
import { MemoryStore } from "./store/memory";

interface BucketDefinition {
  limit: (config: Config) => RateLimit | null;
  /** What one counter is kept for. */
  per: "IP" | "user" | "address";
  /** "local": an in-process counter takes over while the store is down; "open": the request goes through. */
  whenStoreDown: "local" | "open";
}

export const BUCKETS = {
  /** Every /api request that has no budget of its own. */
  api: { limit: (c) => c.rateLimits.api, per: "IP", whenStoreDown: "open" },
  /** Mail an admin has sent (invitations, reset links): a stolen admin session cannot flood inboxes. */
  admin_mail: { limit: () => ({ limit: 100, windowSeconds: 3600 }), per: "IP", whenStoreDown: "open" },
  login: { limit: (c) => c.rateLimits.login, per: "IP", whenStoreDown: "local" },
  /** Accounts created: spent only by a sign-up that succeeds (RateLimiter.spendOnSuccess). */
  register: { limit: (c) => c.rateLimits.register, per: "IP", whenStoreDown: "open" },
  /** Sign-up attempts of any outcome: generous, so typos and one office behind a NAT are not locked out. */
  register_attempt: { limit: (c) => c.rateLimits.registerAttempt, per: "IP", whenStoreDown: "open" },
  refresh: { limit: (c) => c.rateLimits.refresh, per: "IP", whenStoreDown: "open" },
  /** Sending verification and reset mail. */
  email: { limit: (c) => c.rateLimits.email, per: "IP", whenStoreDown: "open" },
  /** Choosing a new password from a reset link: its own budget, so retried mails cannot use it up. */
  reset_password: { limit: (c) => c.rateLimits.resetPassword, per: "IP", whenStoreDown: "open" },
  /** Reset mails to one address, whoever asks. */
  email_address: { limit: (c) => c.rateLimits.email, per: "address", whenStoreDown: "open" },
  /** Verification mails to one user: one a minute and five an hour. */
  verification_mail_minute: { limit: () => ({ limit: 1, windowSeconds: 60 }), per: "user", whenStoreDown: "open" },
  verification_mail_hour: { limit: () => ({ limit: 5, windowSeconds: 3600 }), per: "user", whenStoreDown: "open" },
} as const satisfies Record<string, BucketDefinition>;

export type Bucket = keyof typeof BUCKETS;

export interface LimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** Failed password checks per account, after which the account waits (doubling, up to the window). */
export function backoffSeconds(failures: number, limit: RateLimit): number {
  if (failures < limit.limit) return 0;
  const base = Math.max(1, Math.floor(limit.windowSeconds / 30));
  return Math.min(base * 2 ** (failures - limit.limit), limit.windowSeconds);
}

export class RateLimiter {
  /** Stands in for the store for sign-in budgets while the store is unreachable. */
  private readonly local: MemoryStore;

  constructor(private readonly deps: Pick<Deps, "config" | "store" | "logger" | "metrics" | "clock">) {
    this.local = new MemoryStore(deps.clock);
  }

  /** Counts one request against a budget; throws the 429 when over. Null when the budget is off or could not be counted. */
  async consume(bucket: Bucket, subject: string): Promise<LimitState | null> {
    const definition: BucketDefinition = BUCKETS[bucket];
    const limit = definition.limit(this.deps.config);
    if (!limit) return null;
    const hit = await this.hit(storeKeys.rateLimit(bucket, subject), limit.windowSeconds * 1000, definition.whenStoreDown === "local");
    if (!hit) return null;
    const state = { limit: limit.limit, remaining: limit.limit - hit.count, resetSeconds: Math.max(1, Math.ceil(hit.resetMs / 1000)) };
    if (state.remaining < 0) {
      this.deps.metrics.rateLimited.inc({ bucket });
      throw rateLimited(state.resetSeconds, limit.limit);
    }
    return state;
  }

  /**
   * A budget spent only by what succeeds (accounts created, not sign-up attempts): refused once
   * spent, counted after `work` resolves. Two requests racing at the last unit may both pass;
   * the budget is a brake on bulk sign-ups, not an exact quota. The wait named in the 429 is
   * the whole window, the longest it can be (the store reports a counter's value, not its age).
   */
  async spendOnSuccess<T>(bucket: Bucket, subject: string, work: () => Promise<T>): Promise<T> {
    const definition: BucketDefinition = BUCKETS[bucket];
    const limit = definition.limit(this.deps.config);
    if (!limit) return work();
    const key = storeKeys.rateLimit(bucket, subject);
    const spent = Number((await this.deps.store.get(key).catch((error) => this.storeDown(error))) ?? 0);
    if (spent >= limit.limit) {
      this.deps.metrics.rateLimited.inc({ bucket });
      throw rateLimited(limit.windowSeconds, limit.limit);
    }
    const result = await work();
    await this.hit(key, limit.windowSeconds * 1000, false);
    return result;
  }

  /**
   * Password guessing (docs/architecture.md, "Password guessing"): failed checks of one
   * account's password are counted per client, so a stranger locks out only itself, and across
   * all clients against a higher ceiling that a client with a valid device cookie is exempt from.
   * Returns the seconds to wait before this client may try the password again, or null.
   */
  async passwordRetryAfter(account: string, client: PasswordClient): Promise<number | null> {
    const { loginAccount, loginAccountGlobal } = this.deps.config.rateLimits;
    const id = normalise(account);
    const generation = await this.generation(id);
    const locks = [loginAccount ? this.read(storeKeys.accountLock(id, `${generation}|${client.key}`)) : null];
    if (loginAccountGlobal && !client.trusted) locks.push(this.read(storeKeys.accountLock(id, `${generation}|*`)));
    const lockedUntil = Math.max(0, ...(await Promise.all(locks)).map(Number));
    const waitMs = lockedUntil - this.deps.clock.now();
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : null;
  }

  /** Counts one failed password check; says whether it started a lock (of this client, or of the account for untrusted clients). */
  async recordPasswordFailure(account: string, client: PasswordClient): Promise<{ locked: "client" | "account" | null; limit: number | undefined }> {
    const { loginAccount, loginAccountGlobal } = this.deps.config.rateLimits;
    const id = normalise(account);
    const generation = await this.generation(id);
    const scopes: Array<["client" | "account", string, RateLimit]> = [];
    if (loginAccount) scopes.push(["client", `${generation}|${client.key}`, loginAccount]);
    if (loginAccountGlobal) scopes.push(["account", `${generation}|*`, loginAccountGlobal]);
    let locked: "client" | "account" | null = null;
    for (const [scope, subject, limit] of scopes) {
      const hit = await this.hit(storeKeys.accountFailures(id, subject), limit.windowSeconds * 1000, true);
      const wait = hit ? backoffSeconds(hit.count, limit) : 0;
      if (wait === 0) continue;
      await this.write(storeKeys.accountLock(id, subject), String(this.deps.clock.now() + wait * 1000), wait * 1000);
      if (hit?.count === limit.limit) locked ??= scope;
    }
    return { locked, limit: loginAccount?.limit ?? loginAccountGlobal?.limit };
  }

  /** A right password: this client's count and the account-wide count start over. */
  async clearPasswordFailures(account: string, client: PasswordClient): Promise<void> {
    const id = normalise(account);
    const generation = await this.generation(id);
    const keys = [`${generation}|${client.key}`, `${generation}|*`].flatMap((subject) => [storeKeys.accountFailures(id, subject), storeKeys.accountLock(id, subject)]);
    await this.local.del(...keys);
    await this.deps.store.del(...keys).catch((error) => this.storeDown(error));
  }

  /** An administrator clears every lock of the account: counting starts again under a new generation. */
  async unlockAccount(account: string): Promise<void> {
    const windows = [this.deps.config.rateLimits.loginAccount, this.deps.config.rateLimits.loginAccountGlobal].map((limit) => limit?.windowSeconds ?? 0);
    // The generation outlives every counter of the old one; once it expires, those have too.
    await this.write(storeKeys.throttleGeneration(normalise(account)), crypto.randomUUID(), Math.max(60, ...windows) * 2000);
  }

  private async generation(account: string): Promise<string> {
    return (await this.read(storeKeys.throttleGeneration(account))) ?? "0";
  }

  private async hit(key: string, windowMs: number, fallBackLocally: boolean): Promise<{ count: number; resetMs: number } | null> {
    try {
      return await this.deps.store.hit(key, windowMs);
    } catch (error) {
      this.storeDown(error);
      return fallBackLocally ? this.local.hit(key, windowMs) : null;
    }
  }

  /** The store's value, or the in-process one while the store is down (throttle state only). */
  private async read(key: string): Promise<string | null> {
    try {
      return await this.deps.store.get(key);
    } catch (error) {
      this.storeDown(error);
      return this.local.get(key);
    }
  }

  private async write(key: string, value: string, ttlMs: number): Promise<void> {
    try {
      await this.deps.store.set(key, value, ttlMs);
    } catch (error) {
      this.storeDown(error);
      await this.local.set(key, value, ttlMs);
    }
  }

  private storeDown(error: unknown): void {
    this.deps.metrics.storeErrors.inc({ effect: "failed_open" });
    this.deps.logger.warn("rate limit: store unavailable, shared count skipped", { error: error instanceof Error ? error.message : String(error) });
  }
}

const normalise = (account: string) => account.trim().toLowerCase();

/** Who is guessing: a device cookie valid for the account (trusted), else the IP (IPv6 by its /64). */
export interface PasswordClient {
  key: string;
  trusted: boolean;
}

/** The part of an address one client controls: IPv4 as is, IPv6 by its /64 (a host gets a whole /64). */
export function ipSubject(ip: string): string {
  if (!ip.includes(":")) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const headParts = head ? head.split(":") : [];
  const tailParts = tail ? tail.split(":") : [];
  const parts = ip.includes("::") ? [...headParts, ...Array(Math.max(0, 8 - headParts.length - tailParts.length)).fill("0"), ...tailParts] : headParts;
  return `${parts.slice(0, 4).map((part) => part.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** One limiter per app (its in-process fallback must be shared by every route). */
const limiters = new WeakMap<Deps, RateLimiter>();
export function limiterFor(deps: Deps): RateLimiter {
  let limiter = limiters.get(deps);
  if (!limiter) {
    limiter = new RateLimiter(deps);
    limiters.set(deps, limiter);
  }
  return limiter;
}
