/**
 * Argon2id through Bun.password at the configured cost. Verification against a dummy hash
 * gives unknown accounts the same cost as wrong passwords. Every hash and verification takes a
 * turn from one scheduler per process (hash-scheduler.ts): one at a time per core, the least
 * demanding client first, so a flood from many IPs cannot hold every slot.
 *
 * Passwords are hashed and checked in NFKC (NIST SP 800-63B §5.1.1.2): the same password typed
 * on two keyboards (composed or decomposed accents, fullwidth forms) is the same password.
 * Hashes made before this rule may be of the raw form, so a check that fails in NFKC tries the
 * raw form once (in the same turn); a match there answers "legacy" and the caller stores a new
 * NFKC hash.
 */
import { availableParallelism } from "node:os";
import type { Config } from "../../config";
import { rateLimited } from "../../errors";
import { codePoints } from "../../http/text";
import { isCommonPassword } from "./common-passwords";
import { HashQueueFull, HashScheduler, type HashTurn } from "./hash-scheduler";

export type Argon2Cost = Config["argon2"];
export type { HashTurn } from "./hash-scheduler";

/** The process's cores are shared by every app it runs, so the scheduler is per process. */
const argon2 = new HashScheduler({ concurrency: availableParallelism(), clock: { now: () => performance.now() } });

/** Work the server does for itself (bootstrap, start-up): one client of its own. */
const SERVER: HashTurn = { client: "(server)" };

async function inTurn<T>(turn: HashTurn, work: () => Promise<T>): Promise<T> {
  try {
    return await argon2.run(turn, work);
  } catch (error) {
    if (error instanceof HashQueueFull) throw rateLimited(error.retryAfterSeconds);
    throw error;
  }
}

/** false, or how it matched: "current" (NFKC) or "legacy" (the raw form of an old hash). */
export type PasswordMatch = false | "current" | "legacy";

export function normalisePassword(password: string): string {
  return password.normalize("NFKC");
}

export function hashPassword(password: string, cost: Argon2Cost, turn: HashTurn = SERVER): Promise<string> {
  // A lone surrogate would reach Argon2 as U+FFFD: different passwords, one hash.
  if (!password.isWellFormed()) return Promise.reject(new TypeError("refusing to hash a password with a lone surrogate"));
  return inTurn(turn, () => Bun.password.hash(normalisePassword(password), { algorithm: "argon2id", memoryCost: cost.memoryCost, timeCost: cost.timeCost }));
}

const argon2Verify = (password: string, hash: string) => Bun.password.verify(password, hash).catch(() => false);

/** False for a wrong password or a malformed hash; 429 when the scheduler refuses the turn. */
export function verifyPassword(password: string, hash: string, turn: HashTurn = SERVER): Promise<PasswordMatch> {
  return inTurn(turn, async (): Promise<PasswordMatch> => {
    if (!password.isWellFormed()) {
      // Same cost as a real check, so a malformed guess tells nothing by its timing.
      await argon2Verify("\u0000", hash);
      return false;
    }
    const normalised = normalisePassword(password);
    if (await argon2Verify(normalised, hash)) return "current";
    if (normalised !== password && (await argon2Verify(password, hash))) return "legacy";
    return false;
  });
}

/** The turn of a request's client: its IP (the same key as the rate limits). */
export function clientTurn(ip: string | null, priority = false): HashTurn {
  return { client: ip ?? "unknown", priority };
}

/** True when the hash was made with another algorithm or cost than the configured one. */
export function needsRehash(hash: string, cost: Argon2Cost): boolean {
  const match = /^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=\d+\$/.exec(hash);
  return !match || Number(match[1]) !== cost.memoryCost || Number(match[2]) !== cost.timeCost;
}

const dummyHashes = new Map<string, Promise<string>>();

/** A hash of a random password at the configured cost, made once per cost. */
export function dummyHash(cost: Argon2Cost): Promise<string> {
  const key = `${cost.memoryCost}:${cost.timeCost}`;
  let hash = dummyHashes.get(key);
  if (!hash) {
    hash = hashPassword(crypto.randomUUID(), cost);
    dummyHashes.set(key, hash);
  }
  return hash;
}

/** Why a new password is refused, or null when it is acceptable. Length (code points, after NFKC) is checked by the schema too. */
export function passwordProblem(password: string): string | null {
  if (!password.isWellFormed()) return "Password contains an invalid character";
  const normalised = normalisePassword(password);
  const length = codePoints(normalised);
  if (length < 8) return "Password must be at least 8 characters";
  if (length > 128) return "Password must be at most 128 characters";
  if (isCommonPassword(normalised)) return "This password is too common; choose another";
  return null;
}
