/**
 * Argon2id through Bun.password at the configured cost. Verification against a dummy hash
 * gives unknown accounts the same cost as wrong passwords.
 */
import type { Config } from "../../config";
import { isCommonPassword } from "./common-passwords";

export type Argon2Cost = Config["argon2"];

export function hashPassword(password: string, cost: Argon2Cost): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id", memoryCost: cost.memoryCost, timeCost: cost.timeCost });
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await Bun.password.verify(password, hash);
  } catch {
    return false;
  }
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

/** Why a new password is refused, or null when it is acceptable. Length is checked by the schema too. */
export function passwordProblem(password: string): string | null {
  if (password.length < 8) return "Password must be at least 8 characters";
  if (password.length > 128) return "Password must be at most 128 characters";
  if (isCommonPassword(password)) return "This password is too common; choose another";
  return null;
}
