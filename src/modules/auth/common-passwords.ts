/**
 * The 10,000 most common passwords (zxcvbn 4.4.2's frequency list, lower-cased; see
 * scripts/build-common-passwords.ts). Registration and password changes refuse them:
 * they are the first guesses of any online or offline attack, whatever their length.
 *
 * The file is read once, synchronously, when this module is first imported, so a missing
 * or unreadable list fails the start rather than a request. A Set gives a hash lookup:
 * the check costs the same wherever (or whether) the word is in the list.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  readFileSync(join(import.meta.dir, "common-passwords.txt"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== ""),
);

/** True if the password, compared case-insensitively, is one of the most common ones. */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}
