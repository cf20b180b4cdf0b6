/**
 * The personal-access-token format (docs/tokens.md): `cbt_` + 32 random bytes in base62 (43
 * characters) + the base62 CRC32 of those 43 characters (6). The prefix lets secret scanners find
 * leaked tokens; the checksum lets them, and us, tell a real token from a typo or a guess without
 * a database lookup. Only the SHA-256 of the whole token is stored.
 */
import { randomBytes } from "node:crypto";

export const PAT_PREFIX = "cbt_";
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BODY_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const SHAPE = new RegExp(`^${PAT_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

function base62(value: bigint, length: number): string {
  let out = "";
  for (let rest = value; rest > 0n; rest /= 62n) out = ALPHABET[Number(rest % 62n)] + out;
  return out.padStart(length, "0");
}

function checksum(body: string): string {
  return base62(BigInt(Bun.hash.crc32(body)), CHECKSUM_LENGTH);
}

export function generatePat(): string {
  const body = base62(BigInt(`0x${randomBytes(32).toString("hex")}`), BODY_LENGTH);
  return `${PAT_PREFIX}${body}${checksum(body)}`;
}

/** Whether a string looks like one of our tokens at all (the prefix), whatever its state. */
export function looksLikePat(token: string): boolean {
  return token.startsWith(PAT_PREFIX);
}

/** The right shape and a matching checksum; anything else is refused before any lookup. */
export function hasValidChecksum(token: string): boolean {
  if (!SHAPE.test(token)) return false;
  const body = token.slice(PAT_PREFIX.length, PAT_PREFIX.length + BODY_LENGTH);
  return token.slice(PAT_PREFIX.length + BODY_LENGTH) === checksum(body);
}
