/**
 * Every key Cobalt writes to the store, built here and nowhere else (docs/architecture.md,
 * "Store"). Emails and account names are hashed so a look at Redis shows no personal data.
 */
import { createHash } from "node:crypto";

const digest = (text: string) => createHash("sha256").update(text).digest("base64url");

export const storeKeys = {
  /** An access token logged out before it expires. */
  deniedJti: (jti: string) => `deny:jti:${jti}`,
  /** Every access token of an ended session. */
  revokedSession: (sessionId: string) => `revoked:sid:${sessionId}`,
  /** Every access token of a disabled or deleted user. */
  revokedUser: (userId: string) => `revoked:uid:${userId}`,
  /** Changes on every committed change to the user's row: cached copies of the account are stale (src/modules/users/account-cache.ts). */
  accountVersion: (userId: string) => `acct:v:${userId}`,
  /** The store's own identity: a store that lost its keys (a Redis restarted empty) gets a new one, so no cached account outlives the loss. */
  accountEpoch: "acct:epoch",
  /** A fixed-window counter of one rate-limit bucket for one subject (an IP, a user, an address). */
  rateLimit: (bucket: string, subject: string) => `rl:${bucket}:${subject}`,
  /** Failed password checks of one account (`subject` says from where), and the lock they led to. */
  accountFailures: (account: string, subject: string) => `lf:${digest(`${account}|${subject}`)}`,
  accountLock: (account: string, subject: string) => `ll:${digest(`${account}|${subject}`)}`,
  /** Bumped by an administrator's unlock: every failure counted before it no longer counts. */
  throttleGeneration: (account: string) => `lg:${digest(account)}`,
  /** A pending WebAuthn challenge (single use, five minutes), keyed by its digest (docs/passkeys.md). */
  webauthnChallenge: (challenge: string) => `wa:${digest(challenge)}`,
  /** Identifiers a key should not show in the clear (email addresses). */
  private: digest,
};
