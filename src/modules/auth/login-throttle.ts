/**
 * Failed sign-ins per account: after `limit` failures within the window the account waits,
 * and each further failure doubles the wait up to the window's length. A success resets it.
 * Checked before any Argon2 work, so a flood of guesses costs the server almost nothing.
 */
import type { RateLimit } from "../../config";
import type { Deps } from "../../deps";
import { hashToken } from "./tokens";

const failuresKey = (account: string) => `lf:${hashToken(account)}`;
const lockKey = (account: string) => `ll:${hashToken(account)}`;

function normalise(account: string): string {
  return account.trim().toLowerCase();
}

function onStoreError(deps: Deps, error: unknown): null {
  deps.metrics.storeErrors.inc({ effect: "failed_open" });
  deps.logger.warn("login throttle skipped: store unavailable", { error: error instanceof Error ? error.message : String(error) });
  return null;
}

/** Seconds the account must still wait, or null when it may try now. */
export async function accountRetryAfter(deps: Deps, account: string): Promise<number | null> {
  if (!deps.config.rateLimits.loginAccount) return null;
  try {
    const lockedUntil = Number(await deps.store.get(lockKey(normalise(account))));
    const waitMs = lockedUntil - deps.clock.now();
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : null;
  } catch (error) {
    return onStoreError(deps, error);
  }
}

export function backoffSeconds(failures: number, limit: RateLimit): number {
  if (failures < limit.limit) return 0;
  const base = Math.max(1, Math.floor(limit.windowSeconds / 30));
  return Math.min(base * 2 ** (failures - limit.limit), limit.windowSeconds);
}

export async function recordFailedLogin(deps: Deps, account: string): Promise<void> {
  const limit = deps.config.rateLimits.loginAccount;
  if (!limit) return;
  const id = normalise(account);
  try {
    const { count } = await deps.store.hit(failuresKey(id), limit.windowSeconds * 1000);
    const wait = backoffSeconds(count, limit);
    if (wait > 0) await deps.store.set(lockKey(id), String(deps.clock.now() + wait * 1000), wait * 1000);
  } catch (error) {
    onStoreError(deps, error);
  }
}

export async function clearFailedLogins(deps: Deps, account: string): Promise<void> {
  if (!deps.config.rateLimits.loginAccount) return;
  const id = normalise(account);
  await deps.store.del(failuresKey(id), lockKey(id)).catch((error) => onStoreError(deps, error));
}
