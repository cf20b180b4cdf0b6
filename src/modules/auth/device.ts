/**
 * Device cookies (OWASP "device cookies"; docs/architecture.md, "Password guessing"): each
 * successful sign-in leaves the browser a signed token naming the account and a random device
 * id. A later password check from that browser for that account is counted on its own, so
 * strangers guessing the password from elsewhere cannot lock the owner out.
 * Format: `<device id>.<issued at, seconds>.<HMAC-SHA256 of "device|user|id|issued">`, base64url.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { PasswordClient } from "../../rate-limits";
import { ipSubject } from "../../rate-limits";

export const DEVICE_COOKIE = "device";
export const DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600;

function signature(key: Uint8Array, userId: string, deviceId: string, issuedAt: string): Buffer {
  return createHmac("sha256", key).update(`device|${userId}|${deviceId}|${issuedAt}`).digest();
}

export function issueDeviceToken(key: Uint8Array, userId: string, nowMs: number): string {
  const deviceId = randomBytes(16).toString("base64url");
  const issuedAt = String(Math.floor(nowMs / 1000));
  return `${deviceId}.${issuedAt}.${signature(key, userId, deviceId, issuedAt).toString("base64url")}`;
}

/** The device id of a token that this server signed for this user less than a year ago; null otherwise. */
export function verifyDeviceToken(key: Uint8Array, token: string | undefined, userId: string, nowMs: number): string | null {
  if (!token || token.length > 200) return null;
  const [deviceId, issuedAt, sig, extra] = token.split(".");
  if (!deviceId || !issuedAt || !sig || extra !== undefined || !/^\d{1,12}$/.test(issuedAt)) return null;
  if (nowMs / 1000 - Number(issuedAt) > DEVICE_COOKIE_MAX_AGE) return null;
  const given = Buffer.from(sig, "base64url");
  const expected = signature(key, userId, deviceId, issuedAt);
  return given.length === expected.length && timingSafeEqual(given, expected) ? deviceId : null;
}

/** Who is checking a password: the device when its cookie is valid for this account, else the IP. */
export function passwordClient(key: Uint8Array, account: { userId: string | null; device: string | undefined; ip: string | null }, nowMs: number): PasswordClient {
  const deviceId = account.userId ? verifyDeviceToken(key, account.device, account.userId, nowMs) : null;
  return deviceId ? { key: `device:${deviceId}`, trusted: true } : { key: `ip:${ipSubject(account.ip ?? "unknown")}`, trusted: false };
}
