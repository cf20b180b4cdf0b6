/**
 * Secrets at rest (TOTP seeds, private signing keys): AES-256-GCM under `ENCRYPTION_KEY`, with a
 * fresh 96-bit nonce per value and a caller-given context bound as additional data, so a sealed
 * value copied into another row or column does not open. Format: `v1.<nonce>.<ciphertext+tag>`,
 * both parts base64url. See docs/architecture.md, "Secrets at rest".
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SealedSecretError extends Error {
  override name = "SealedSecretError";
}

export function sealSecret(key: Uint8Array, plaintext: string | Uint8Array, context: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${nonce.toString("base64url")}.${body.toString("base64url")}`;
}

/** Throws SealedSecretError when the value was tampered with, sealed under another key or for another context. */
export function openSecret(key: Uint8Array, sealed: string, context: string): Uint8Array {
  const [version, nonceText, bodyText] = sealed.split(".");
  if (version !== VERSION || !nonceText || !bodyText) throw new SealedSecretError("not a sealed secret");
  const nonce = Buffer.from(nonceText, "base64url");
  const body = Buffer.from(bodyText, "base64url");
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new SealedSecretError("not a sealed secret");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return new Uint8Array(Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]));
  } catch {
    throw new SealedSecretError("the sealed secret does not open with this key and context");
  }
}
