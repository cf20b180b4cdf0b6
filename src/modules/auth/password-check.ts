/**
 * Every check of a password (sign-in, change-password, and later re-authentication and account
 * deletion) goes through `checkPassword`: the per-account, per-client throttle of
 * src/rate-limits.ts around one Argon2id verification (docs/architecture.md, "Password guessing").
 * A locked client gets the 429 before any Argon2 work.
 */
import type { Deps } from "../../deps";
import { rateLimited } from "../../errors";
import { limiterFor } from "../../rate-limits";
import { recordAudit } from "../audit/service";
import { passwordClient } from "./device";
import { clientTurn, dummyHash, type PasswordMatch, verifyPassword } from "./passwords";
import type { ClientInfo } from "./sessions";

export interface PasswordCheck {
  /** What is being guessed: the user id when the account exists, else the typed identifier. */
  account: string;
  userId: string | null;
  password: string;
  /** The stored hash; an unknown account or one without a password is checked against a dummy of the same cost. */
  hash: string | null | undefined;
  client: ClientInfo;
  purpose: "login" | "change_password" | "reauthenticate";
  /**
   * Whether a right password starts the counts over (default true). A sign-in that still needs
   * its second factor keeps them: otherwise someone who knows the password could reset the count
   * of wrong codes with every new attempt (docs/mfa.md).
   */
  clearOnSuccess?: boolean;
}

/** false, or how it matched ("legacy": a hash of the raw form, which the caller replaces). */
export async function checkPassword(deps: Deps, check: PasswordCheck): Promise<PasswordMatch> {
  const throttle = limiterFor(deps);
  const now = deps.clock.now();
  const who = passwordClient(deps.config.encryptionKey, { userId: check.userId, device: check.client.device, ip: check.client.ip }, now);
  const wait = await throttle.passwordRetryAfter(check.account, who);
  if (wait !== null) {
    if (check.purpose === "login") deps.metrics.logins.inc({ result: "locked" });
    deps.metrics.rateLimited.inc({ bucket: "login_account" });
    throw rateLimited(wait, deps.config.rateLimits.loginAccount?.limit);
  }
  // The owner's browser (a valid device cookie) takes its Argon2 turn ahead of a flood (./hash-scheduler.ts).
  const turn = clientTurn(check.client.ip, who.trusted);
  const match = await verifyPassword(check.password, check.hash ?? (await dummyHash(deps.config.argon2)), turn);
  const valid = check.hash ? match : false;
  if (valid) {
    if (check.clearOnSuccess !== false) await throttle.clearPasswordFailures(check.account, who);
    return valid;
  }
  const { locked } = await throttle.recordPasswordFailure(check.account, who);
  if (locked && check.userId) {
    await recordAudit(deps.database.db, {
      action: "account_locked",
      actor: { userId: null, ip: check.client.ip, userAgent: check.client.userAgent },
      targetId: check.userId,
      at: new Date(now),
      details: { scope: locked === "client" ? "this_client" : "all_clients_without_device_cookie", purpose: check.purpose },
    });
  }
  return false;
}
