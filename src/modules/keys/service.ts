/**
 * Signing keys for EdDSA access tokens, kept in the database (docs/tokens.md). Keys are
 * Ed25519, generated here, stored as JWK with the private part sealed by ENCRYPTION_KEY and
 * bound to its kid.
 *
 * Rotation is a schedule, not an event: every key has an `activates_at`, the signing key is the
 * newest one that has activated, and there is always a next key, published from the moment it is
 * created and activating JWT_KEY_ROTATION_DAYS after the current one. So every instance switches
 * at the same moment without talking to the others, and every JWKS cache has long held the new
 * key when it starts to sign. Changes to the schedule (topping up the next key, an operator's
 * `bun run keys rotate`, pruning) are made under one transaction-scoped advisory lock, so with
 * many instances exactly one makes each change.
 */
import { createPublicKey, generateKeyPairSync, type webcrypto } from "node:crypto";

type JsonWebKey = webcrypto.JsonWebKey;
import { asc, eq, sql } from "drizzle-orm";
import type { Config } from "../../config";
import { openSecret, sealSecret } from "../../crypto/secret-box";
import type { Db } from "../../db/client";
import { type SigningKey, signingKeys } from "../../db/schema";

/** Any fixed number, distinct from the migration lock. */
const KEY_SCHEDULE_LOCK = 4_201_338;
/**
 * The least time a new key is published before it signs: the JWKS's max-age (300 s), plus the
 * time an instance may take to reload its key set, with room to spare.
 */
export const PREPUBLISH_MS = 10 * 60 * 1000;
/** Instances re-read the key set at least this often. */
export const RELOAD_MS = 60 * 1000;
const CLOCK_SKEW_MS = 60 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
}

/** A key as the verifier and the JWKS see it: rows with their schedule worked out. */
export interface ScheduledKey {
  row: SigningKey;
  /** When the key stopped signing (its successor activated), if it has. */
  retiredAt: Date | null;
  /** When it leaves the JWKS: every token it signed has expired. */
  publishedUntil: number;
}

export function signingKeyContext(kid: string): string {
  return `jwk:${kid}`;
}

/** RFC 7638 thumbprint of an OKP public key: a kid that names the key itself. */
export function jwkThumbprint(jwk: PublicJwk): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return new Bun.CryptoHasher("sha256").update(canonical).digest("base64url");
}

export function newSigningKey(encryptionKey: Buffer, createdAt: Date, activatesAt: Date): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pub = publicKey.export({ format: "jwk" }) as JsonWebKey;
  const publicJwk: PublicJwk = { kty: pub.kty!, crv: pub.crv!, x: pub.x! };
  const kid = jwkThumbprint(publicJwk);
  const sealed = sealSecret(encryptionKey, JSON.stringify(privateKey.export({ format: "jwk" })), signingKeyContext(kid));
  return { kid, alg: "EdDSA", publicJwk, privateJwkSealed: sealed, createdAt, activatesAt };
}

export function openPrivateJwk(encryptionKey: Buffer, row: SigningKey): JsonWebKey {
  const jwk = JSON.parse(new TextDecoder().decode(openSecret(encryptionKey, row.privateJwkSealed, signingKeyContext(row.kid)))) as JsonWebKey;
  // The sealed private key must belong to the published public key of the same row.
  const derived = createPublicKey({ key: jwk, format: "jwk" }).export({ format: "jwk" }) as JsonWebKey;
  if (derived.x !== row.publicJwk.x) throw new Error(`signing key ${row.kid}: private part does not match its public key`);
  return jwk;
}

/** How long a retired key stays published: the longest a token it signed can live, with skew. */
function retireWindowMs(config: Pick<Config, "accessTokenTtl">): number {
  return config.accessTokenTtl * 1000 + RELOAD_MS + CLOCK_SKEW_MS;
}

/** Works out who signs, who is next and who is still published, at `now`. Rows sorted by activation. */
export function schedule(rows: SigningKey[], now: number, config: Pick<Config, "accessTokenTtl">): { current: ScheduledKey | undefined; keys: ScheduledKey[] } {
  const sorted = [...rows].sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime());
  const keys: ScheduledKey[] = sorted.map((row, i) => {
    const successor = sorted[i + 1];
    const retiredAt = successor && successor.activatesAt.getTime() <= now ? successor.activatesAt : null;
    // Fixed by the successor's activation, whether that is past or still to come.
    const publishedUntil = successor ? successor.activatesAt.getTime() + retireWindowMs(config) : Number.POSITIVE_INFINITY;
    return { row, retiredAt, publishedUntil };
  });
  const current = keys.filter((key) => key.row.activatesAt.getTime() <= now).at(-1);
  return { current, keys: keys.filter((key) => key.publishedUntil > now) };
}

export async function loadSigningKeys(db: Db): Promise<SigningKey[]> {
  return db.select().from(signingKeys).orderBy(asc(signingKeys.activatesAt));
}

type KeyConfig = Pick<Config, "accessTokenTtl" | "jwtKeyRotationDays" | "encryptionKey">;

/** Runs `work` on the rows while holding the schedule lock; the lock ends with the transaction. */
async function underScheduleLock<T>(db: Db, work: (tx: Db, rows: SigningKey[]) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEY_SCHEDULE_LOCK})`);
    return work(tx, await loadSigningKeys(tx));
  });
}

export interface MaintenanceResult {
  created: string[];
  pruned: string[];
}

/**
 * Keeps the schedule whole: a signing key (a fresh deployment gets one that signs at once:
 * nobody can hold an older JWKS), a published next key, and no key past its publication.
 */
export async function maintainSigningKeys(db: Db, config: KeyConfig, now: number): Promise<MaintenanceResult> {
  return underScheduleLock(db, async (tx, rows) => {
    const created: SigningKey[] = [];
    let { current, keys } = schedule(rows, now, config);
    if (!current) {
      const first = newSigningKey(config.encryptionKey, new Date(now), new Date(now));
      created.push(first);
      ({ current, keys } = schedule([...rows, first], now, config));
    }
    const hasNext = keys.some((key) => key.row.activatesAt.getTime() > now);
    if (!hasNext) {
      const due = Math.max(current!.row.activatesAt.getTime() + config.jwtKeyRotationDays * DAY_MS, now + PREPUBLISH_MS);
      created.push(newSigningKey(config.encryptionKey, new Date(now), new Date(due)));
    }
    if (created.length > 0) await tx.insert(signingKeys).values(created);
    const kept = new Set(keys.map((key) => key.row.kid));
    const pruned = rows.filter((row) => !kept.has(row.kid)).map((row) => row.kid);
    for (const kid of pruned) await tx.delete(signingKeys).where(eq(signingKeys.kid, kid));
    return { created: created.map((key) => key.kid), pruned };
  });
}

export interface RotationResult {
  /** The key that takes over signing, and when. */
  kid: string;
  activatesAt: Date;
  /** The key published next in its place. */
  nextKid: string;
}

/**
 * An operator's rotation: the next key signs as soon as it has been published for PREPUBLISH_MS
 * (at once if it has been for longer), and a new next key is published behind it.
 */
export async function rotateSigningKeys(db: Db, config: KeyConfig, now: number): Promise<RotationResult> {
  await maintainSigningKeys(db, config, now);
  return underScheduleLock(db, async (tx, rows) => {
    const next = rows.filter((row) => row.activatesAt.getTime() > now).sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime())[0]!;
    const activatesAt = new Date(Math.max(now, next.createdAt.getTime() + PREPUBLISH_MS));
    await tx.update(signingKeys).set({ activatesAt }).where(eq(signingKeys.kid, next.kid));
    const following = newSigningKey(config.encryptionKey, new Date(now), new Date(activatesAt.getTime() + config.jwtKeyRotationDays * DAY_MS));
    // Keys that were scheduled after the promoted one would now overtake it; the new one replaces them.
    for (const later of rows.filter((row) => row.activatesAt.getTime() > next.activatesAt.getTime())) {
      await tx.delete(signingKeys).where(eq(signingKeys.kid, later.kid));
    }
    await tx.insert(signingKeys).values(following);
    return { kid: next.kid, activatesAt, nextKid: following.kid };
  });
}
