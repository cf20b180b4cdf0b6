/**
 * TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 6 digits, 30-second steps, one step of drift
 * either way. Written here on node:crypto rather than taken from a library because the replay
 * rule needs the *step* a code matched (the caller stores it and refuses that step and every
 * earlier one), which libraries hide behind a yes/no or a "delta"; and the algorithm is twenty
 * lines that the RFC's own test vectors pin (tests/mfa-totp.test.ts). docs/mfa.md.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps of clock drift accepted either way. */
export const TOTP_WINDOW = 1;
/** 160 bits, the HMAC-SHA-1 block-friendly length RFC 4226 recommends. */
const SECRET_BYTES = 20;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 without padding: what authenticator apps expect in `secret=`. */
export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array {
  const clean = text.replace(/[\s=-]/g, "").toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error("not base32");
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

export const newTotpSecret = (): Uint8Array => new Uint8Array(randomBytes(SECRET_BYTES));

export const totpStep = (nowMs: number): number => Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);

/** HOTP(secret, counter) with dynamic truncation (RFC 4226 §5.3). */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

export const totpCode = (secret: Uint8Array, nowMs: number): string => hotp(secret, totpStep(nowMs));

/** Digits only: people type "123 456" or paste "123-456". */
export const normaliseTotpCode = (code: string): string => code.replace(/[\s-]/g, "");

/**
 * The step the code matches within the window, only if it is later than `lastUsedStep` (each
 * code once, and nothing older than the last accepted one); null otherwise. Every step in the
 * window is computed and compared in constant time, so timing does not say which one matched.
 */
export function matchTotp(secret: Uint8Array, code: string, nowMs: number, lastUsedStep: number | null): number | null {
  const given = normaliseTotpCode(code);
  if (!/^\d{6}$/.test(given)) return null;
  const current = totpStep(nowMs);
  let matched: number | null = null;
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    const equal = timingSafeEqual(Buffer.from(hotp(secret, step)), Buffer.from(given));
    if (equal && matched === null && (lastUsedStep === null || step > lastUsedStep)) matched = step;
  }
  return matched;
}

/** The otpauth:// URL authenticator apps read from the QR code (Key Uri Format). */
export function otpauthUrl(issuer: string, account: string, secret: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = new URLSearchParams({ secret, issuer, algorithm: "SHA1", digits: String(TOTP_DIGITS), period: String(TOTP_PERIOD_SECONDS) });
  return `otpauth://totp/${label}?${query.toString()}`;
}
