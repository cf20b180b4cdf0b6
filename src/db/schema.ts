import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const ROLES = ["user", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    username: text("username").notNull(),
    email: text("email").notNull(),
    /** Null for an account made through a provider that has not set a password yet (reset sets one). */
    passwordHash: text("password_hash"),
    emailVerified: boolean("email_verified").notNull().default(false),
    emailVerifiedAt: timestamptz("email_verified_at"),
    role: text("role", { enum: ROLES }).notNull().default("user"),
    disabledAt: timestamptz("disabled_at"),
    lastLoginAt: timestamptz("last_login_at"),
    lastLoginIp: text("last_login_ip"),
    lastLoginUserAgent: text("last_login_user_agent"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
    /** What the admin's search matches: both names lowercased, apart (docs/architecture.md, admin search). */
    searchText: text("search_text")
      .notNull()
      .generatedAlwaysAs(sql`lower(username) || chr(1) || lower(email)`),
  },
  (table) => [
    uniqueIndex("users_username_lower_key").on(sql`lower(${table.username})`),
    uniqueIndex("users_email_lower_key").on(sql`lower(${table.email})`),
    index("users_created_at_idx").on(table.createdAt, table.id),
    index("users_role_idx").on(table.role),
    // Serve the admin list's sort orders (each with the id tie-break) without sorting the table.
    index("users_username_sort_idx").on(table.username, table.id),
    index("users_email_sort_idx").on(table.email, table.id),
    index("users_last_login_sort_idx").on(sql`${table.lastLoginAt} desc nulls last`, sql`${table.id} desc`),
    // One trigram index serves the admin's case-insensitive substring search (LIKE '%…%' on search_text).
    index("users_search_trgm_idx").using("gin", sql`${table.searchText} gin_trgm_ops`),
  ],
);

/** One row per sign-in: the refresh-token family. Only SHA-256 hashes of tokens are stored. */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    previousTokenHash: text("previous_token_hash"),
    replacedAt: timestamptz("replaced_at"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    lastUsedAt: timestamptz("last_used_at").notNull().defaultNow(),
    expiresAt: timestamptz("expires_at").notNull(),
    revokedAt: timestamptz("revoked_at"),
    revokedReason: text("revoked_reason"),
    /**
     * The session's last authentication: its sign-in, or a later password or factor check
     * (POST /auth/reauthenticate). "Recent authentication" (src/http/recent-auth.ts) reads it.
     */
    authenticatedAt: timestamptz("authenticated_at").notNull().defaultNow(),
    /**
     * Set on a session an administrator opened as this user (docs/impersonation.md): its tokens
     * carry `act: {sub: impersonator}`, it ends 30 minutes after it starts whatever refreshes
     * happen, and it cannot make sensitive changes. Ends with the administrator's account.
     */
    impersonatorId: uuid("impersonator_id").references(() => users.id, { onDelete: "cascade" }),
    impersonationReason: text("impersonation_reason"),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (table) => [
    uniqueIndex("sessions_token_hash_key").on(table.tokenHash),
    index("sessions_previous_token_hash_idx").on(table.previousTokenHash),
    index("sessions_user_id_idx").on(table.userId),
    index("sessions_expires_at_idx").on(table.expiresAt),
  ],
);

/**
 * Every refresh token a session has replaced (hashes only), so a stolen token is recognised
 * however many rotations ago it was replaced. Gone with its session.
 */
export const refreshTokenHistory = pgTable(
  "refresh_token_history",
  {
    tokenHash: text("token_hash").primaryKey(),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    replacedAt: timestamptz("replaced_at").notNull(),
  },
  (table) => [index("refresh_token_history_session_id_idx").on(table.sessionId)],
);

export const TOKEN_PURPOSES = ["verify_email", "reset_password", "change_email", "invite"] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

export const oneTimeTokens = pgTable(
  "one_time_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: TOKEN_PURPOSES }).notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
    usedAt: timestamptz("used_at"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    /** `change_email` only: the address the user asked for, in its stored spelling; it becomes the account's on confirmation. */
    newEmail: text("new_email"),
  },
  (table) => [
    uniqueIndex("one_time_tokens_token_hash_key").on(table.tokenHash),
    index("one_time_tokens_user_purpose_idx").on(table.userId, table.purpose),
  ],
);

/**
 * Linked external identities (social sign-in): one row per provider account, which belongs to
 * exactly one user. `email` is what the provider said when the identity was linked.
 */
export const oauthAccounts = pgTable(
  "oauth_accounts",
  {
    id: uuid("id").notNull().defaultRandom(),
    provider: text("provider").notNull(),
    providerAccountId: text("provider_account_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    email: text("email"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.provider, table.providerAccountId] }),
    uniqueIndex("oauth_accounts_id_key").on(table.id),
    index("oauth_accounts_user_id_idx").on(table.userId),
  ],
);

/** Actor and target carry no foreign key: the history of a deleted user stays readable. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    action: text("action").notNull(),
    actorId: uuid("actor_id"),
    targetId: uuid("target_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (table) => [
    index("audit_log_created_at_idx").on(table.createdAt, table.id),
    index("audit_log_actor_id_idx").on(table.actorId, table.createdAt),
    index("audit_log_target_id_idx").on(table.targetId, table.createdAt),
    index("audit_log_action_idx").on(table.action, table.createdAt),
  ],
);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type AuditEvent = typeof auditLog.$inferSelect;

export const SIGNING_ALGS = ["EdDSA"] as const;

/**
 * Access-token signing keys (docs/tokens.md). A key signs from `activates_at` until the next key
 * activates, and is published from its creation until every token it signed has expired. The private JWK is sealed with ENCRYPTION_KEY, bound to its kid.
 */
export const signingKeys = pgTable(
  "signing_keys",
  {
    kid: text("kid").primaryKey(),
    alg: text("alg", { enum: SIGNING_ALGS }).notNull(),
    publicJwk: jsonb("public_jwk").$type<{ kty: string; crv: string; x: string }>().notNull(),
    privateJwkSealed: text("private_jwk_sealed").notNull(),
    createdAt: timestamptz("created_at").notNull(),
    activatesAt: timestamptz("activates_at").notNull(),
  },
  (table) => [index("signing_keys_activates_at_idx").on(table.activatesAt)],
);

export const PAT_SCOPES = ["profile:read", "sessions:read", "sessions:write", "admin:read", "admin:write"] as const;
export type PatScope = (typeof PAT_SCOPES)[number];

/** Personal access tokens for scripts and CI; only the SHA-256 of the token is stored. */
export const personalAccessTokens = pgTable(
  "personal_access_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    scopes: text("scopes").array().$type<PatScope[]>().notNull(),
    createdAt: timestamptz("created_at").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
    lastUsedAt: timestamptz("last_used_at"),
    lastUsedIp: text("last_used_ip"),
    revokedAt: timestamptz("revoked_at"),
  },
  (table) => [uniqueIndex("personal_access_tokens_token_hash_key").on(table.tokenHash), index("personal_access_tokens_user_id_idx").on(table.userId)],
);

export type SigningKey = typeof signingKeys.$inferSelect;
export type PersonalAccessToken = typeof personalAccessTokens.$inferSelect;
export type OAuthAccount = typeof oauthAccounts.$inferSelect;

/**
 * A user's authenticator app (TOTP, docs/mfa.md): at most one per user. A row without
 * `enabled_at` is a setup waiting for its first code. The seed is sealed with ENCRYPTION_KEY,
 * bound to the user id; `last_used_step` is the 30-second step of the last accepted code, so a
 * code is never accepted twice (a guarded UPDATE moves it forward only).
 */
export const totpFactors = pgTable("totp_factors", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  secretSealed: text("secret_sealed").notNull(),
  enabledAt: timestamptz("enabled_at"),
  lastUsedStep: bigint("last_used_step", { mode: "number" }),
  createdAt: timestamptz("created_at").notNull(),
});

/** Recovery codes: SHA-256 of each, single use; a new set replaces the old rows. */
export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: timestamptz("used_at"),
    createdAt: timestamptz("created_at").notNull(),
  },
  (table) => [uniqueIndex("recovery_codes_user_code_key").on(table.userId, table.codeHash)],
);

/**
 * The second step of a sign-in (the `mfa_token`): SHA-256 of the token, the user, the client it
 * was issued to (hashed throttle key: device cookie or IP) and what passed the first step.
 * Single use, five minutes, dead after five wrong codes.
 */
export const mfaChallenges = pgTable(
  "mfa_challenges",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    clientHash: text("client_hash").notNull(),
    /** "password", or "oauth:<provider>". */
    firstFactor: text("first_factor").notNull(),
    /** SHA-256 of the password hash that was verified (null after a provider): a reset in between kills the step. */
    credentialHash: text("credential_hash"),
    failures: integer("failures").notNull().default(0),
    expiresAt: timestamptz("expires_at").notNull(),
    usedAt: timestamptz("used_at"),
    createdAt: timestamptz("created_at").notNull(),
  },
  (table) => [uniqueIndex("mfa_challenges_token_hash_key").on(table.tokenHash), index("mfa_challenges_user_id_idx").on(table.userId), index("mfa_challenges_expires_at_idx").on(table.expiresAt)],
);

export type TotpFactor = typeof totpFactors.$inferSelect;
export type MfaChallenge = typeof mfaChallenges.$inferSelect;

/**
 * WebAuthn credentials (docs/passkeys.md): what verifying an assertion needs (the COSE public
 * key, the signature counter) and what the account page shows. The credential id is unique
 * across users: a passwordless sign-in finds its account by it.
 */
export const passkeys = pgTable(
  "passkeys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** base64url, as the browser reports it. */
    credentialId: text("credential_id").notNull(),
    /** The COSE key, base64url. */
    publicKey: text("public_key").notNull(),
    counter: bigint("counter", { mode: "number" }).notNull().default(0),
    transports: text("transports").array().$type<string[]>().notNull().default(sql`'{}'::text[]`),
    backedUp: boolean("backed_up").notNull().default(false),
    deviceType: text("device_type", { enum: ["singleDevice", "multiDevice"] }).notNull(),
    aaguid: text("aaguid").notNull(),
    name: text("name").notNull(),
    createdAt: timestamptz("created_at").notNull(),
    lastUsedAt: timestamptz("last_used_at"),
  },
  (table) => [uniqueIndex("passkeys_credential_id_key").on(table.credentialId), index("passkeys_user_id_idx").on(table.userId)],
);

export type Passkey = typeof passkeys.$inferSelect;
