/**
 * Signs and verifies access tokens with the configured algorithm (docs/tokens.md). EdDSA: the
 * key set comes from the database and is re-read at least every RELOAD_MS (so a rotation made
 * anywhere reaches every instance without a restart), and
 * at once, at most every few seconds, when a token names a kid this instance has not seen.
 * A token is accepted only when its header is byte for byte the header we write for one of the
 * published keys: an unknown kid, another algorithm (HS256 with the public key as the secret,
 * `none`, ...) or an extra header field never reaches a signature check.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import type { Config } from "../../config";
import type { Clock } from "../../clock";
import type { Database } from "../../db/client";
import type { SigningKey } from "../../db/schema";
import type { Logger } from "../../logger";
import type { Metrics } from "../../metrics";
import { type AccessClaims, parseClaims, signAccessToken, verifyAccessToken } from "../auth/tokens";
import { loadSigningKeys, maintainSigningKeys, openPrivateJwk, type PublicJwk, RELOAD_MS, schedule } from "./service";
import { VerifiedTokenCache } from "./verify-cache";

/** A token naming a kid we do not know triggers a reload at most this often. */
const UNKNOWN_KID_RELOAD_MS = 5 * 1000;
const MAX_TOKEN_LENGTH = 4096;
/** An Ed25519 signature (64 bytes) in canonical base64url: 86 characters, the unused low bits zero. */
const CANONICAL_ED25519_SIGNATURE = /^[A-Za-z0-9_-]{85}[AQgw]$/;

export interface PublishedJwk extends PublicJwk {
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

interface LoadedKey {
  row: SigningKey;
  header: string;
  publicKey: KeyObject;
  privateKey?: KeyObject;
  activatesAt: number;
  publishedUntil: number;
}

interface KeySet {
  /** Sorted by activation. */
  keys: LoadedKey[];
  byHeader: Map<string, LoadedKey>;
  kids: Set<string>;
}

export type AccessTokenDeps = { config: Config; database: Database; clock: Clock; logger: Logger; metrics: Metrics };

function headerFor(kid: string): string {
  return Buffer.from(JSON.stringify({ alg: "EdDSA", kid, typ: "JWT" })).toString("base64url");
}

/** The kid of a header that claims to be one of ours but is not in the set; undefined otherwise. */
function claimedKid(header: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown; kid?: unknown };
    return parsed.alg === "EdDSA" && typeof parsed.kid === "string" && parsed.kid.length <= 64 ? parsed.kid : undefined;
  } catch {
    return undefined;
  }
}

export class AccessTokens {
  private set: KeySet | undefined;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  readonly cache: VerifiedTokenCache;

  constructor(private readonly deps: AccessTokenDeps) {
    this.cache = new VerifiedTokenCache(deps.config.jwtVerifyCacheSize);
  }

  get alg(): Config["jwtAlg"] {
    return this.deps.config.jwtAlg;
  }

  /** Reads the key set (creating the first keys of a fresh deployment); start-up calls it before serving. */
  async prepare(): Promise<void> {
    if (this.alg === "EdDSA") await this.keySet();
  }

  async sign(claims: AccessClaims): Promise<string> {
    if (this.alg === "HS256") return signAccessToken(this.deps.config.jwtSecret, claims);
    // A stale set is reloaded first: an instance idle since an operator's rotation must not sign
    // with a key the others have stopped publishing. So never sign inside a database transaction:
    // on the single-connection embedded database the reload would wait for that transaction.
    const set = await this.keySet();
    const now = this.deps.clock.now();
    const key = set.keys.filter((candidate) => candidate.activatesAt <= now).at(-1);
    if (!key) throw new Error("no signing key has activated yet");
    key.privateKey ??= createPrivateKey({ key: openPrivateJwk(this.deps.config.encryptionKey, key.row), format: "jwk" });
    const signingInput = `${key.header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
    return `${signingInput}.${sign(null, Buffer.from(signingInput), key.privateKey).toString("base64url")}`;
  }

  /** The claims of a token we signed with a published key, unexpired at `nowSeconds`; null for anything else. */
  async verify(token: string, nowSeconds: number): Promise<AccessClaims | null> {
    if (this.alg === "HS256") return this.verifyHs256(token, nowSeconds);
    if (token.length > MAX_TOKEN_LENGTH) return this.refused();
    const firstDot = token.indexOf(".");
    const secondDot = token.indexOf(".", firstDot + 1);
    if (firstDot < 1 || secondDot < 0 || token.includes(".", secondDot + 1)) return this.refused();
    const signingInput = token.slice(0, secondDot);
    const signature = token.slice(secondDot + 1);

    const cached = this.cache.get(signature, signingInput, nowSeconds);
    if (cached) {
      this.deps.metrics.accessTokenChecks.inc({ result: "cache_hit" });
      return cached;
    }

    const header = token.slice(0, firstDot);
    let set = await this.keySet();
    let key = set.byHeader.get(header);
    if (!key) {
      const kid = claimedKid(header);
      if (kid === undefined || set.kids.has(kid) || this.deps.clock.now() - this.loadedAt < UNKNOWN_KID_RELOAD_MS) return this.refused();
      await this.reload();
      set = await this.keySet();
      key = set.byHeader.get(header);
      if (!key) return this.refused();
    }
    if (this.deps.clock.now() >= key.publishedUntil || !CANONICAL_ED25519_SIGNATURE.test(signature)) return this.refused();
    if (!verify(null, Buffer.from(signingInput), key.publicKey, Buffer.from(signature, "base64url"))) return this.refused();
    const claims = parseClaims(token.slice(firstDot + 1, secondDot), nowSeconds);
    if (!claims) return this.refused();
    this.deps.metrics.accessTokenChecks.inc({ result: "verified" });
    this.cache.set(signature, signingInput, claims);
    return claims;
  }

  /**
   * HS256 through the same verified-token cache: a client repeating its token skips the base64
   * decoding, the HMAC and the JSON parse (a fifth of /auth/me's CPU); a hit needs the signed
   * part and the signature both to equal those of a token verified before.
   */
  private verifyHs256(token: string, nowSeconds: number): AccessClaims | null {
    const dot = token.lastIndexOf(".");
    if (dot < 0 || token.length > MAX_TOKEN_LENGTH) return null;
    const signingInput = token.slice(0, dot);
    const signature = token.slice(dot + 1);
    const cached = this.cache.get(signature, signingInput, nowSeconds);
    if (cached) return cached;
    const claims = verifyAccessToken(this.deps.config.jwtSecret, token, nowSeconds);
    if (claims) this.cache.set(signature, signingInput, claims);
    return claims;
  }

  /** The JWKS: the signing key, the next one and every retired key whose tokens may still live. */
  async publishedKeys(): Promise<PublishedJwk[]> {
    if (this.alg === "HS256") return [];
    const set = await this.keySet();
    const now = this.deps.clock.now();
    const live = set.keys.filter((key) => key.publishedUntil > now);
    const current = live.filter((key) => key.activatesAt <= now).at(-1);
    // The signing key first, then the next ones, then the retired ones newest first.
    const ordered = [...(current ? [current] : []), ...live.filter((key) => key.activatesAt > now), ...live.filter((key) => key.activatesAt <= now && key !== current).reverse()];
    return ordered.map(({ row }) => ({ kty: row.publicJwk.kty, crv: row.publicJwk.crv, x: row.publicJwk.x, kid: row.kid, alg: "EdDSA", use: "sig" }));
  }

  /** Forgets the loaded key set: the next call reads the database (after a rotation by this process). */
  invalidate(): void {
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private refused(): null {
    this.deps.metrics.accessTokenChecks.inc({ result: "refused" });
    return null;
  }

  /** The loaded key set, reloaded first when it is older than RELOAD_MS. */
  private async keySet(): Promise<KeySet> {
    if (!this.set || this.deps.clock.now() - this.loadedAt >= RELOAD_MS) await this.reload();
    return this.set!;
  }

  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const { config, database, clock, logger } = this.deps;
    try {
      let rows = await loadSigningKeys(database.db);
      const now = clock.now();
      const { current, keys } = schedule(rows, now, config);
      if (!current || !keys.some((key) => key.row.activatesAt.getTime() > now)) {
        // A fresh deployment, or the next key is missing: whichever instance gets the lock adds it.
        await maintainSigningKeys(database.db, config, now);
        rows = await loadSigningKeys(database.db);
      }
      this.set = this.build(rows, now);
      this.loadedAt = now;
    } catch (error) {
      if (!this.set) throw error;
      // Keep verifying with the keys we have; try again after the next interval.
      logger.warn("signing keys could not be reloaded", { error: error instanceof Error ? error.message : String(error) });
      this.loadedAt = clock.now();
    }
  }

  private build(rows: SigningKey[], now: number): KeySet {
    const previous = new Map(this.set?.keys.map((key) => [key.row.kid, key]));
    const keys = schedule(rows, now, this.deps.config).keys.map((scheduled): LoadedKey => {
      const known = previous.get(scheduled.row.kid);
      return {
        row: scheduled.row,
        header: headerFor(scheduled.row.kid),
        publicKey: known?.publicKey ?? createPublicKey({ key: { ...scheduled.row.publicJwk }, format: "jwk" }),
        privateKey: known?.privateKey,
        activatesAt: scheduled.row.activatesAt.getTime(),
        publishedUntil: scheduled.publishedUntil,
      };
    });
    return { keys, byHeader: new Map(keys.map((key) => [key.header, key])), kids: new Set(keys.map((key) => key.row.kid)) };
  }
}
