/**
 * Access tokens' claims, and HS256 JWTs (JWT_ALG=HS256) signed and checked here with Bun's
 * native HMAC. Only our exact header is accepted, so `alg: none`, RS/HS confusion and any other
 * algorithm fail; every segment must be canonical base64url (the header is compared exactly, the
 * signature and payload checked in canonicalBase64url's sense). EdDSA tokens are signed and checked by src/modules/keys/access-tokens.ts.
 * Refresh and one-time tokens: 32 random bytes, base64url; only their SHA-256 is ever stored.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Role } from "../../db/schema";

export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  jti: string;
  iat: number;
  exp: number;
  /** The issuer (APP_URL), for other services that verify our tokens. */
  iss?: string;
  /** RFC 8693 actor: on an impersonated session, the administrator acting as `sub`. */
  act?: { sub: string };
}

/** The authenticated caller, as the session guard puts it on the request (src/http/session.ts). */
export interface AuthContext {
  userId: string;
  sessionId: string;
  claims: AccessClaims;
}

export const authContextOf = (claims: AccessClaims): AuthContext => ({ userId: claims.sub, sessionId: claims.sid, claims });

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

function signature(secret: string, signingInput: string): Buffer {
  // Bun.CryptoHasher keyed is HMAC; a third of the cost of node:crypto's createHmac here.
  return new Bun.CryptoHasher("sha256", secret).update(signingInput).digest();
}

export function signAccessToken(secret: string, claims: AccessClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signingInput = `${HEADER}.${payload}`;
  return `${signingInput}.${signature(secret, signingInput).toString("base64url")}`;
}

function isClaims(value: unknown): value is AccessClaims {
  if (typeof value !== "object" || value === null) return false;
  const claims = value as Record<string, unknown>;
  return (
    typeof claims.sub === "string" &&
    typeof claims.sid === "string" &&
    (claims.role === "user" || claims.role === "admin") &&
    typeof claims.jti === "string" &&
    typeof claims.iat === "number" &&
    typeof claims.exp === "number" &&
    (claims.act === undefined || (typeof claims.act === "object" && claims.act !== null && typeof (claims.act as Record<string, unknown>).sub === "string"))
  );
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The bytes of a segment in canonical base64url (RFC 7515 §2, RFC 4648 §3.5): only `A-Za-z0-9-_`,
 * no padding, and the unused low bits of the last character zero, i.e. the one spelling
 * Cobalt itself writes. Null for anything else. Node's decoder is lenient (it takes `+`, `/`,
 * `=`, skips other characters and ignores the unused bits), so many spellings decode to the
 * same bytes; the re-encoding check refuses all but one.
 */
export function canonicalBase64url(segment: string): Buffer | null {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return null;
  const bytes = Buffer.from(segment, "base64url");
  return bytes.toString("base64url") === segment ? bytes : null;
}

/** An HMAC-SHA256 signature (32 bytes) in canonical base64url: 43 characters, the last one's 2 unused bits zero. */
const CANONICAL_HS256_SIGNATURE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** The claims in a token's payload segment when it is canonical base64url of well-formed, unexpired claims; null otherwise. */
export function parseClaims(payload: string, nowSeconds: number): AccessClaims | null {
  const bytes = canonicalBase64url(payload);
  if (!bytes) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(bytes.toString("utf8"));
  } catch {
    return null;
  }
  if (!isClaims(claims) || claims.exp <= nowSeconds) return null;
  return claims;
}

/** The claims of a well-signed, unexpired HS256 token; null for anything else. */
export function verifyAccessToken(secret: string, token: string, nowSeconds: number): AccessClaims | null {
  if (token.length > 4096) return null;
  const [header, payload, sig, extra] = token.split(".");
  if (header !== HEADER || !payload || !sig || extra !== undefined || !CANONICAL_HS256_SIGNATURE.test(sig)) return null;
  const expected = signature(secret, `${header}.${payload}`);
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return parseClaims(payload, nowSeconds);
}

export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
