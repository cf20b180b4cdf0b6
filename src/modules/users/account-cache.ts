/**
 * The caller's account as every signed-in request reads it (docs/architecture.md, "Account
 * state"): disabled and deleted users are refused and roles checked from the database's state,
 * without a database round trip on most requests.
 *
 * An instance keeps the user rows it read, each stamped with what the store said when it was
 * read: the user's version key (changed after every committed write to the row, by
 * `accountChanged`) and the store's epoch (a store that lost its keys has none, then a new one).
 * Both are fetched in the same store round trip as the revocation marks, so a copy is used only
 * while the version it was read under is still the current one: a change made on any instance
 * bites on the next request everywhere. A copy is also never used after MAX_AGE_MS, which bounds
 * what a change the version key missed (a write outside Cobalt, a bump still being retried)
 * can be served for. Reads go to the primary, never a replica.
 */
import type { User } from "../../db/schema";
import type { Deps } from "../../deps";
import { storeKeys } from "../../store/keys";
import { findUserById } from "./service";

/** How long a cached account may be used at most, whatever the store says. */
export const ACCOUNT_MAX_AGE_MS = 1000;
/** A version key must outlive every copy read before it changed (they live MAX_AGE_MS). */
const VERSION_TTL_MS = 60 * 60 * 1000;
const EPOCH_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** What the request's store round trip said about the account. */
export interface AccountStamp {
  version: string | null;
  epoch: string | null;
}

interface Entry {
  user: User | null;
  version: string | null;
  epoch: string;
  readAt: number;
}

export class AccountCache {
  private readonly entries = new Map<string, Entry>();
  /** One database read per (user, version) at a time: a burst of requests after expiry shares it. */
  private readonly loading = new Map<string, Promise<User | null>>();
  private epochWrite: Promise<unknown> | null = null;

  constructor(private readonly maxEntries = 10_000) {}

  /** The copy this stamp vouches for, without waiting (the hot path); undefined when there is none. */
  peek(userId: string, stamp: AccountStamp, now: number): User | null | undefined {
    const entry = this.entries.get(userId);
    if (entry && stamp.epoch !== null && entry.epoch === stamp.epoch && entry.version === stamp.version && now - entry.readAt < ACCOUNT_MAX_AGE_MS) return entry.user;
    return undefined;
  }

  /** The user row (null when deleted) as the primary has it under this stamp. */
  async read(deps: Pick<Deps, "database" | "store" | "clock">, userId: string, stamp: AccountStamp): Promise<User | null> {
    const { epoch, version } = stamp;
    if (epoch === null) {
      // A store without an epoch (new, or restarted empty) cannot vouch for any copy: read, and
      // give it one; copies are kept only under an epoch read back from the store.
      this.ensureEpoch(deps);
      return (await findUserById(deps.database.db, userId)) ?? null;
    }
    const now = deps.clock.now();
    const copy = this.peek(userId, stamp, now);
    if (copy !== undefined) return copy;
    const loadKey = `${userId}|${epoch}|${version}`;
    let pending = this.loading.get(loadKey);
    if (!pending) {
      pending = this.load(deps, userId, { epoch, version, readAt: now }).finally(() => this.loading.delete(loadKey));
      this.loading.set(loadKey, pending);
    }
    return pending;
  }

  private async load(deps: Pick<Deps, "database">, userId: string, stamp: Omit<Entry, "user">): Promise<User | null> {
    // The stamp was read before this query starts: the row is at least as new as the version.
    const user = (await findUserById(deps.database.db, userId)) ?? null;
    this.entries.delete(userId);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(userId, { user, ...stamp });
    return user;
  }

  private ensureEpoch(deps: Pick<Deps, "store">): void {
    this.epochWrite ??= deps.store
      .set(storeKeys.accountEpoch, crypto.randomUUID(), EPOCH_TTL_MS)
      .catch(() => {}) // the store is down: every signed-in request fails closed meanwhile
      .finally(() => (this.epochWrite = null));
  }

  /** Forgets every copy (tests; a process that knows its store was replaced). */
  clear(): void {
    this.entries.clear();
  }
}

/**
 * After a committed change to a user's row (role, disabled, deleted, username, email,
 * verification, password, last sign-in): every instance's copy is stale from the next request
 * on. Written after commit, never inside a transaction. Not retried: while the store cannot take
 * it, every signed-in request fails closed anyway, and once it is back no copy read before the
 * change outlives ACCOUNT_MAX_AGE_MS (disable and delete also leave retried revocation marks).
 */
export async function accountChanged(deps: Pick<Deps, "store" | "logger">, userId: string): Promise<void> {
  // A new random value, never a counter: a version can never come back to one a copy was read under.
  await deps.store.set(storeKeys.accountVersion(userId), crypto.randomUUID(), VERSION_TTL_MS).catch((error: unknown) => {
    deps.logger.warn("account version not written; copies elsewhere expire within a second", { user_id: userId, error: error instanceof Error ? error.message : String(error) });
  });
}
