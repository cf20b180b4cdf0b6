/**
 * Every way a social sign-in can fail, each with the fixed page the browser ends on. Nothing a
 * provider sends (error_description, claims) is ever shown: the reason picks the words.
 */
export const OAUTH_FAILURES = {
  unknown_provider: { status: 404, title: "Unknown sign-in provider", text: "This sign-in option is not available." },
  state_mismatch: {
    status: 400,
    title: "This sign-in did not start here",
    text: "The answer from {provider} does not belong to this browser. Start again from the sign-in page.",
  },
  state_expired: {
    status: 400,
    title: "This sign-in has expired",
    text: "The sign-in with {provider} took too long or was already used. Start again from the sign-in page.",
  },
  session_changed: {
    status: 400,
    title: "Your session changed",
    text: "You signed in or out in another tab while linking {provider}. Start again from your account page.",
  },
  denied: { status: 403, title: "Sign-in cancelled", text: "You did not allow Cobalt to use your {provider} account. Nothing was changed." },
  provider_error: { status: 400, title: "{provider} refused the sign-in", text: "{provider} reported a problem with this sign-in. Please try again." },
  provider_unavailable: {
    status: 400,
    title: "{provider} is not answering",
    text: "{provider} did not answer in time. Please try again in a moment, or sign in another way.",
  },
  invalid_response: {
    status: 400,
    title: "The sign-in could not be verified",
    text: "The answer from {provider} did not pass our checks, so we did not use it. Please try again.",
  },
  email_unverified: {
    status: 400,
    title: "Verify your email at {provider} first",
    text: "Your {provider} account has no verified primary email address. Verify one at {provider}, then try again.",
  },
  email_missing: {
    status: 400,
    title: "{provider} did not share an email address",
    text: "Cobalt needs an email address to create your account. Allow {provider} to share it, or create an account with a password.",
  },
  email_in_use: {
    status: 409,
    title: "You already have an account",
    text: "An account with the email address of this {provider} account already exists. Sign in to it, then link {provider} from your account page.",
  },
  identity_taken: {
    status: 409,
    title: "This {provider} account is linked elsewhere",
    text: "This {provider} account already belongs to another Cobalt account, so it cannot be linked to this one.",
  },
  account_disabled: { status: 403, title: "Account disabled", text: "This account has been disabled. Contact support if you think this is a mistake." },
} as const;

export type OAuthFailureReason = keyof typeof OAUTH_FAILURES;

export class OAuthFailure extends Error {
  override name = "OAuthFailure";
  constructor(
    readonly reason: OAuthFailureReason,
    /** For the log only: never shown to the user. */
    override readonly cause?: unknown,
  ) {
    super(`social sign-in failed: ${reason}`);
  }
}

export function failureView(reason: OAuthFailureReason, providerName: string): { status: number; title: string; text: string } {
  const view = OAUTH_FAILURES[reason];
  return { status: view.status, title: view.title.replaceAll("{provider}", providerName), text: view.text.replaceAll("{provider}", providerName) };
}
