/**
 * Carrying a sign-in's second step across pages: /login (password) and the social sign-in
 * callback both end, for an account with a factor, by handing the browser its `mfa_token` in an
 * HttpOnly cookie (never in a URL, where logs and Referer would see it) and sending it to
 * /login/mfa, which finishes with POST /login/mfa (docs/mfa.md).
 */
import { AppError } from "../errors";
import type { MfaChallengeIssued } from "../modules/mfa/sign-in-step";
import type { PageContext } from "./context";
import { withNext } from "./next";
import { redirect } from "./respond";

export const MFA_COOKIE = "mfa_token";

export function goToSecondStep(ctx: PageContext, challenge: MfaChallengeIssued, next: string): Response {
  ctx.cookies.set(MFA_COOKIE, challenge.mfaToken, challenge.expiresIn);
  return redirect(ctx, withNext("/login/mfa", next));
}

/** The challenge a 403 `mfa_required` from a sign-in service carries, or null for any other error. */
export function challengeOf(error: unknown): MfaChallengeIssued | null {
  if (!(error instanceof AppError) || error.kind !== "mfa_required") return null;
  const { mfa_token: mfaToken, methods, expires_in: expiresIn } = error.details as { mfa_token: string; methods: MfaChallengeIssued["methods"]; expires_in: number };
  return { mfaToken, methods, expiresIn };
}
