/**
 * Every setting Cobalt reads, parsed and validated once at start.
 * A bad value throws ConfigError naming the variable; index.ts prints that one line and exits.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseHostHeader } from "./http/host-header";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export type Env = Record<string, string | undefined>;

export interface Config {
  env: "development" | "test" | "production";
  port: number;
  /** Bind address: loopback outside production, every interface in production. */
  host: string;
  /** Host names (optionally host:port) a request's Host header may name; see src/http/hosts.ts. */
  allowedHosts: string[];
  appUrl: string;
  databaseUrl: string | undefined;
  databaseReadUrl: string | undefined;
  databasePoolSize: number;
  redisUrl: string | undefined;
  dataDir: string;
  pgliteDir: string;
  jwtSecret: string;
  jwtSecretIsEphemeral: boolean;
  /** AES-256-GCM key for secrets at rest (src/crypto/secret-box.ts): 32 bytes. */
  encryptionKey: Buffer;
  /** How access tokens are signed: EdDSA with database keys published as a JWKS, or HS256 with JWT_SECRET. */
  jwtAlg: "EdDSA" | "HS256";
  jwtKeyRotationDays: number;
  /** Verified EdDSA tokens remembered until they expire (0 turns the cache off). */
  jwtVerifyCacheSize: number;
  /** Admin user list: totals are counted exactly up to this many matches, estimated beyond. */
  adminExactTotalLimit: number;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  /** Absolute session lifetime in seconds: refreshing never takes a session past createdAt + this. */
  sessionMaxAge: number;
  refreshGraceSeconds: number;
  corsOrigins: string[];
  /** How many proxies in front of us append to X-Forwarded-For; 0 = ignore the header. */
  trustProxyHops: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  rateLimits: {
    login: RateLimit | null;
    loginAccount: RateLimit | null;
    /** Failed password checks per account across all clients without a device cookie. */
    loginAccountGlobal: RateLimit | null;
    /** Accounts created per IP: only a sign-up that succeeds counts. */
    register: RateLimit | null;
    /** Sign-up attempts per IP, whatever their outcome (bounds probing for taken names). */
    registerAttempt: RateLimit | null;
    /** New passwords chosen from reset links per IP (the link itself is the proof). */
    resetPassword: RateLimit | null;
    refresh: RateLimit | null;
    email: RateLimit | null;
    api: RateLimit | null;
  };
  workers: number;
  metricsToken: string | undefined;
  argon2: { memoryCost: number; timeCost: number };
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  logFormat: "json" | "pretty";
  bodyLimitBytes: number;
  /** Seconds a request body has to arrive in full (408 after). */
  bodyTimeoutSeconds: number;
  auditRetentionDays: number;
  /** MFA_REQUIRED_ROLES: roles whose users must enrol a second factor before anything else (docs/mfa.md). */
  mfaRequiredRoles: Array<"user" | "admin">;
  /** OTLP/HTTP collector base URL (traces go to <url>/v1/traces); unset = no tracing at all. */
  otlpEndpoint: string | undefined;
  otelServiceName: string;
  oauth: OAuthConfig;
  webauthn: WebAuthnConfig;
}

/** Passkeys (docs/passkeys.md): the relying party the browser binds every credential to. */
export interface WebAuthnConfig {
  /** WEBAUTHN_RP_ID: a registrable suffix of the APP_URL host (default: that host). Credentials only work under it. */
  rpId: string;
  /** WEBAUTHN_RP_NAME: what the browser's passkey dialog calls us. */
  rpName: string;
  /** The APP_URL origin: the one origin an assertion's clientDataJSON may name. */
  origin: string;
}

/** A social sign-in provider (docs/oauth.md). GitHub is plain OAuth 2.0; the others are OpenID Connect issuers. */
export type OAuthProviderConfig =
  | { kind: "github"; id: "github"; name: string; clientId: string; clientSecret: string; authorizeUrl: string; tokenUrl: string; apiUrl: string }
  | { kind: "oidc"; id: string; name: string; clientId: string; clientSecret: string; issuer: string };

export interface OAuthConfig {
  /** Every call to a provider gives up after this long. */
  timeoutMs: number;
  providers: OAuthProviderConfig[];
}

/** OWASP's minimum for Argon2id (19 MiB, t=2): production refuses anything cheaper. */
export const ARGON2_FLOOR = { memoryCost: 19456, timeCost: 2 };

const DEV_SECRET_MARKERS = ["change-me", "changeme", "secret", "dev-secret"];

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(" or ")}, got ${parsed.protocol}`);
  }
  return raw;
}

export function parseRateLimit(name: string, raw: string | undefined, fallback: RateLimit): RateLimit | null {
  if (raw === undefined || raw.trim() === "") return fallback;
  if (raw.trim().toLowerCase() === "off") return null;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw);
  const limit = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || limit < 1 || windowSeconds < 1) {
    throw new ConfigError(`${name} must look like count/seconds (e.g. 10/60) or "off", got "${raw}"`);
  }
  return { limit, windowSeconds };
}

function trustProxy(raw: string | undefined): number {
  const value = raw?.trim().toLowerCase();
  if (!value || value === "off" || value === "false" || value === "0") return 0;
  if (value === "on" || value === "true") return 1;
  const hops = Number(value);
  if (Number.isInteger(hops) && hops > 0 && hops < 10) return hops;
  throw new ConfigError(`TRUST_PROXY must be off, on, or a number of proxy hops (1-9), got "${raw}"`);
}

function workers(raw: string | undefined): number {
  const value = raw?.trim().toLowerCase();
  if (!value) return 1;
  if (value === "auto") return navigator.hardwareConcurrency || 1;
  const n = Number(value);
  if (Number.isInteger(n) && n >= 1 && n <= 256) return n;
  throw new ConfigError(`WORKERS must be a number from 1 to 256 or "auto", got "${raw}"`);
}

/** MFA_REQUIRED_ROLES: a comma-separated list of roles (user, admin); unset or empty: none. */
function mfaRequiredRoles(raw: string | undefined): Array<"user" | "admin"> {
  const entries = (raw ?? "").split(",").map((entry) => entry.trim().toLowerCase()).filter(Boolean);
  for (const entry of entries) if (entry !== "user" && entry !== "admin") throw new ConfigError(`MFA_REQUIRED_ROLES lists roles (user, admin), got "${entry}"`);
  return [...new Set(entries as Array<"user" | "admin">)];
}

/** HOST: an IP address or a host name to listen on. */
function bindHost(raw: string | undefined, production: boolean): string {
  const value = raw?.trim();
  if (!value) return production ? "0.0.0.0" : "127.0.0.1";
  if (parseHostHeader(value) === null && !/^[0-9a-f:]+$/i.test(value)) throw new ConfigError(`HOST must be an IP address or a host name, got "${raw}"`);
  return value;
}

/** ALLOWED_HOSTS: the APP_URL host, plus the loopback names outside production. */
function allowedHosts(raw: string | undefined, appUrl: string, production: boolean): string[] {
  if (raw !== undefined && raw.trim() !== "") {
    const entries = raw.split(",").map((entry) => entry.trim()).filter(Boolean);
    return entries.map((entry) => {
      const parsed = parseHostHeader(entry);
      if (!parsed) throw new ConfigError(`ALLOWED_HOSTS contains an invalid host "${entry}"`);
      return parsed.port === null ? parsed.name : `${parsed.name}:${parsed.port}`;
    });
  }
  const hosts = [new URL(appUrl).hostname.toLowerCase()];
  if (!production) hosts.push("localhost", "127.0.0.1", "[::1]");
  return [...new Set(hosts)];
}

function jwtSecret(env: Env, production: boolean): { secret: string; ephemeral: boolean } {
  const raw = env.JWT_SECRET;
  if (production) {
    if (!raw) throw new ConfigError("JWT_SECRET is required when NODE_ENV=production");
    if (Buffer.byteLength(raw) < 32) throw new ConfigError("JWT_SECRET must be at least 32 bytes in production");
    if (DEV_SECRET_MARKERS.some((marker) => raw.toLowerCase().includes(marker))) {
      throw new ConfigError("JWT_SECRET looks like a placeholder; set a random value in production");
    }
    return { secret: raw, ephemeral: false };
  }
  if (raw) return { secret: raw, ephemeral: false };
  return { secret: randomBytes(32).toString("base64url"), ephemeral: true };
}

function decodeKey(name: string, raw: string): Buffer {
  const text = raw.trim();
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, "hex") : Buffer.from(text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), "base64url");
  if (key.length !== 32) throw new ConfigError(`${name} must be 32 bytes, as 64 hex digits or base64/base64url (e.g. openssl rand -base64 32)`);
  return key;
}

/**
 * ENCRYPTION_KEY is required in production. Elsewhere a key is made once and kept in
 * DATA_DIR/encryption.key, so secrets sealed by one run still open in the next.
 */
function encryptionKey(env: Env, production: boolean, dataDir: string): Buffer {
  const raw = env.ENCRYPTION_KEY;
  if (raw?.trim()) return decodeKey("ENCRYPTION_KEY", raw);
  if (production) throw new ConfigError("ENCRYPTION_KEY is required when NODE_ENV=production (32 bytes: openssl rand -base64 32)");
  const file = join(dataDir, "encryption.key");
  try {
    mkdirSync(dataDir, { recursive: true });
    // "wx": of several processes starting at once, exactly one writes the key; the others read it.
    writeFileSync(file, randomBytes(32).toString("base64url"), { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as { code?: string }).code !== "EEXIST") throw new ConfigError(`cannot write ${file}: set ENCRYPTION_KEY or make DATA_DIR writable`);
  }
  return decodeKey(file, readFileSync(file, "utf8"));
}

function jwtAlg(env: Env): "EdDSA" | "HS256" {
  const raw = env.JWT_ALG?.trim();
  if (!raw) return "EdDSA";
  if (raw === "EdDSA" || raw === "HS256") return raw;
  throw new ConfigError(`JWT_ALG must be EdDSA or HS256, got "${raw}"`);
}

function webauthnConfig(env: Env, appUrl: string): WebAuthnConfig {
  const host = new URL(appUrl).hostname.toLowerCase();
  const rpId = env.WEBAUTHN_RP_ID?.trim().toLowerCase() || host;
  // The browser refuses an RP id that is not the page's host or a parent domain of it; say so at start, not at the first ceremony.
  if (rpId !== host && !host.endsWith(`.${rpId}`)) throw new ConfigError(`WEBAUTHN_RP_ID must be the APP_URL host (${host}) or a parent domain of it, got "${rpId}"`);
  return { rpId, rpName: env.WEBAUTHN_RP_NAME?.trim() || "Cobalt", origin: new URL(appUrl).origin };
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, "NODE_ENV", ["development", "test", "production"] as const, "development");
  const production = nodeEnv === "production";
  const port = int(env, "PORT", 3000, 0, 65535);
  const appUrl = (url(env, "APP_URL", ["http:", "https:"]) ?? `http://localhost:${port}`).replace(/\/+$/, "");
  const dataDir = resolve(env.DATA_DIR?.trim() || "./data");
  const secret = jwtSecret(env, production);

  const argon2 = {
    memoryCost: int(env, "ARGON2_MEMORY_KIB", 65536, 8, 4 * 1024 * 1024),
    timeCost: int(env, "ARGON2_TIME_COST", 2, 1, 100),
  };
  if (production && (argon2.memoryCost < ARGON2_FLOOR.memoryCost || argon2.timeCost < ARGON2_FLOOR.timeCost)) {
    throw new ConfigError(
      `ARGON2_MEMORY_KIB/ARGON2_TIME_COST are below OWASP's floor (${ARGON2_FLOOR.memoryCost} KiB, t=${ARGON2_FLOOR.timeCost}) in production`,
    );
  }

  // The app's own origin by default: a stranger's dev server on another port reads nothing.
  const corsOrigins = (env.CORS_ORIGINS ?? new URL(appUrl).origin)
    .split(",")
    .map((origin) => origin.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin === "*") throw new ConfigError("CORS_ORIGINS cannot be * because credentials are allowed");
    try {
      new URL(origin);
    } catch {
      throw new ConfigError(`CORS_ORIGINS contains an invalid origin "${origin}"`);
    }
  }

  const config: Config = {
    env: nodeEnv,
    port,
    host: bindHost(env.HOST, production),
    allowedHosts: allowedHosts(env.ALLOWED_HOSTS, appUrl, production),
    appUrl,
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    databaseReadUrl: url(env, "DATABASE_READ_URL", ["postgres:", "postgresql:"]),
    databasePoolSize: int(env, "DATABASE_POOL_SIZE", 20, 1, 1000),
    redisUrl: url(env, "REDIS_URL", ["redis:", "rediss:"]),
    dataDir,
    pgliteDir: join(dataDir, "pglite"),
    jwtSecret: secret.secret,
    jwtSecretIsEphemeral: secret.ephemeral,
    encryptionKey: encryptionKey(env, production, dataDir),
    jwtAlg: jwtAlg(env),
    jwtKeyRotationDays: int(env, "JWT_KEY_ROTATION_DAYS", 30, 1, 365),
    jwtVerifyCacheSize: int(env, "JWT_VERIFY_CACHE_SIZE", 10000, 0, 1_000_000),
    adminExactTotalLimit: int(env, "ADMIN_EXACT_TOTAL_LIMIT", 10_000, 1, 1_000_000),
    accessTokenTtl: int(env, "ACCESS_TOKEN_TTL", 900, 30, 86400),
    refreshTokenTtl: int(env, "REFRESH_TOKEN_TTL", 604800, 300, 31536000),
    sessionMaxAge: int(env, "SESSION_MAX_AGE", 2592000, 300, 31536000),
    refreshGraceSeconds: int(env, "REFRESH_GRACE_SECONDS", 10, 0, 300),
    corsOrigins,
    trustProxyHops: trustProxy(env.TRUST_PROXY),
    smtpUrl: url(env, "SMTP_URL", ["smtp:", "smtps:"]),
    mailFrom: env.MAIL_FROM?.trim() || "Cobalt <no-reply@localhost>",
    rateLimits: {
      login: parseRateLimit("RATE_LIMIT_LOGIN", env.RATE_LIMIT_LOGIN, { limit: 10, windowSeconds: 60 }),
      loginAccount: parseRateLimit("RATE_LIMIT_LOGIN_ACCOUNT", env.RATE_LIMIT_LOGIN_ACCOUNT, { limit: 5, windowSeconds: 900 }),
      loginAccountGlobal: parseRateLimit("RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL", env.RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL, { limit: 50, windowSeconds: 900 }),
      register: parseRateLimit("RATE_LIMIT_REGISTER", env.RATE_LIMIT_REGISTER, { limit: 20, windowSeconds: 3600 }),
      registerAttempt: parseRateLimit("RATE_LIMIT_REGISTER_ATTEMPTS", env.RATE_LIMIT_REGISTER_ATTEMPTS, { limit: 60, windowSeconds: 3600 }),
      resetPassword: parseRateLimit("RATE_LIMIT_RESET_PASSWORD", env.RATE_LIMIT_RESET_PASSWORD, { limit: 10, windowSeconds: 900 }),
      refresh: parseRateLimit("RATE_LIMIT_REFRESH", env.RATE_LIMIT_REFRESH, { limit: 60, windowSeconds: 60 }),
      email: parseRateLimit("RATE_LIMIT_EMAIL", env.RATE_LIMIT_EMAIL, { limit: 3, windowSeconds: 900 }),
      api: parseRateLimit("RATE_LIMIT_API", env.RATE_LIMIT_API, { limit: 600, windowSeconds: 60 }),
    },
    workers: workers(env.WORKERS),
    metricsToken: env.METRICS_TOKEN?.trim() || undefined,
    argon2,
    adminEmail: env.ADMIN_EMAIL?.trim().toLowerCase() || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    logLevel: oneOf(env, "LOG_LEVEL", ["debug", "info", "warn", "error", "silent"] as const, "info"),
    logFormat: oneOf(env, "LOG_FORMAT", ["json", "pretty"] as const, production ? "json" : "pretty"),
    bodyLimitBytes: 1024 * 1024,
    bodyTimeoutSeconds: int(env, "BODY_TIMEOUT_SECONDS", 10, 1, 600),
    auditRetentionDays: int(env, "AUDIT_RETENTION_DAYS", 90, 1, 3650),
    mfaRequiredRoles: mfaRequiredRoles(env.MFA_REQUIRED_ROLES),
    otlpEndpoint: url(env, "OTEL_EXPORTER_OTLP_ENDPOINT", ["http:", "https:"]),
    otelServiceName: env.OTEL_SERVICE_NAME?.trim() || "cobalt",
    oauth: oauthConfig(env, production),
    webauthn: webauthnConfig(env, appUrl),
  };

  if (config.workers > 1 && (!config.databaseUrl || !config.redisUrl)) {
    throw new ConfigError("WORKERS above 1 needs DATABASE_URL and REDIS_URL: the embedded defaults are single-process");
  }
  if (config.workers > 1 && config.jwtSecretIsEphemeral) {
    throw new ConfigError("WORKERS above 1 needs JWT_SECRET: every worker must sign and check tokens with the same key");
  }
  if ((config.adminEmail === undefined) !== (config.adminPassword === undefined)) {
    throw new ConfigError("ADMIN_EMAIL and ADMIN_PASSWORD must be set together");
  }
  return config;
}

const OAUTH_ISSUER_VAR = /^OAUTH_([A-Z0-9]+)_ISSUER$/;

/** An issuer is compared with its discovery document exactly, so it is kept as given (a trailing slash matters). */
function oauthUrl(env: Env, name: string, fallback: string, production: boolean): string {
  return url(env, name, production ? ["https:"] : ["http:", "https:"]) ?? fallback;
}

const withoutTrailingSlash = (value: string) => value.replace(/\/+$/, "");

function oauthCredentials(env: Env, prefix: string): { clientId: string; clientSecret: string } | null {
  const clientId = env[`${prefix}_CLIENT_ID`]?.trim();
  const clientSecret = env[`${prefix}_CLIENT_SECRET`]?.trim();
  if (!clientId && !clientSecret) return null;
  if (!clientId || !clientSecret) throw new ConfigError(`${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET must be set together`);
  return { clientId, clientSecret };
}

/**
 * GitHub and Google by their client credentials, any other OpenID Connect issuer by
 * OAUTH_<ID>_ISSUER. Issuers must be https in production (http only for local testing).
 */
function oauthConfig(env: Env, production: boolean): OAuthConfig {
  const seconds = Number(env.OAUTH_TIMEOUT_SECONDS?.trim() || "10");
  if (!Number.isFinite(seconds) || seconds < 0.05 || seconds > 120) {
    throw new ConfigError(`OAUTH_TIMEOUT_SECONDS must be a number of seconds from 0.05 to 120, got "${env.OAUTH_TIMEOUT_SECONDS}"`);
  }
  const providers: OAuthProviderConfig[] = [];
  const github = oauthCredentials(env, "OAUTH_GITHUB");
  if (github) {
    providers.push({
      kind: "github",
      id: "github",
      name: env.OAUTH_GITHUB_NAME?.trim() || "GitHub",
      ...github,
      authorizeUrl: oauthUrl(env, "OAUTH_GITHUB_AUTHORIZE_URL", "https://github.com/login/oauth/authorize", production),
      tokenUrl: oauthUrl(env, "OAUTH_GITHUB_TOKEN_URL", "https://github.com/login/oauth/access_token", production),
      apiUrl: withoutTrailingSlash(oauthUrl(env, "OAUTH_GITHUB_API_URL", "https://api.github.com", production)),
    });
  }
  if (env.OAUTH_GITHUB_ISSUER) throw new ConfigError("OAUTH_GITHUB_ISSUER is not used: GitHub is not an OpenID Connect issuer (see OAUTH_GITHUB_*_URL)");
  const google = oauthCredentials(env, "OAUTH_GOOGLE");
  if (google) {
    const issuer = oauthUrl(env, "OAUTH_GOOGLE_ISSUER", "https://accounts.google.com", production);
    providers.push({ kind: "oidc", id: "google", name: env.OAUTH_GOOGLE_NAME?.trim() || "Google", ...google, issuer });
  }
  for (const name of Object.keys(env).sort()) {
    const id = OAUTH_ISSUER_VAR.exec(name)?.[1];
    if (!id || id === "GOOGLE" || id === "GITHUB" || !env[name]?.trim()) continue;
    const prefix = `OAUTH_${id}`;
    const credentials = oauthCredentials(env, prefix);
    if (!credentials) throw new ConfigError(`${name} is set but ${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET are not`);
    const issuer = oauthUrl(env, name, "", production);
    const label = env[`${prefix}_NAME`]?.trim() || id.charAt(0) + id.slice(1).toLowerCase();
    providers.push({ kind: "oidc", id: id.toLowerCase(), name: label, ...credentials, issuer });
  }
  return { timeoutMs: Math.round(seconds * 1000), providers };
}
