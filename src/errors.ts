/**
 * The one error type and the registry of every error a client can receive (docs/architecture.md,
 * "Errors"). Services throw `new AppError(name)`; the HTTP layer (src/http/errors.ts) turns it into
 * `{error, code, details, request_id}` with the registry's status, and pages into a message.
 *
 * An entry's key is its name in code; `code` is what goes over the wire. They differ only where
 * the published contract gives one wire code two meanings (a one-time link's `invalid_token` is a
 * 400, a credential's is a 401).
 */

interface ErrorEntry {
  status: number;
  code: string;
  message: string;
}

export const ERRORS = {
  invalid_body: { status: 400, code: "invalid_body", message: "The request body could not be parsed" },
  bad_request: { status: 400, code: "bad_request", message: "The request is malformed" },
  already_verified: { status: 400, code: "already_verified", message: "This email address is already verified" },
  invalid_link: { status: 400, code: "invalid_token", message: "This link is invalid or has already been used" },
  invalid_passkey: { status: 400, code: "invalid_passkey", message: "The passkey could not be registered: try again" },
  expired_link: { status: 400, code: "expired_token", message: "This link has expired; ask for a new one" },
  /** A wrong second-factor code while signed in (enabling a factor, re-authenticating). */
  invalid_code: { status: 400, code: "invalid_code", message: "That code is not correct" },

  unauthorized: { status: 401, code: "unauthorized", message: "Authentication required" },
  invalid_token: { status: 401, code: "invalid_token", message: "The token is invalid or has expired" },
  passkey_not_accepted: { status: 401, code: "invalid_passkey", message: "This passkey was not accepted: try again or sign in another way" },
  invalid_credentials: { status: 401, code: "invalid_credentials", message: "Invalid username, email or password" },
  /** A wrong code on the second step of a sign-in (POST /auth/mfa/verify): the caller is not signed in yet. */
  invalid_mfa_code: { status: 401, code: "invalid_code", message: "That code is not correct" },

  forbidden: { status: 403, code: "forbidden", message: "You are not allowed to do this" },
  account_disabled: { status: 403, code: "account_disabled", message: "This account has been disabled" },
  cross_site_request: { status: 403, code: "cross_site_request", message: "Cross-site requests cannot use the session cookies" },
  csrf_failed: { status: 403, code: "csrf_failed", message: "This form has expired" },
  insufficient_scope: { status: 403, code: "insufficient_scope", message: "This token's scopes do not cover this route" },
  /** A sensitive change tried from a session an administrator opened as the user (docs/impersonation.md). */
  impersonation_restricted: { status: 403, code: "impersonation_restricted", message: "Not while impersonating: passwords, factors, email, tokens and signing out everywhere stay with the user" },
  /** Administrators, disabled accounts and oneself cannot be impersonated. */
  cannot_impersonate: { status: 409, code: "cannot_impersonate", message: "This account cannot be impersonated" },
  reauthentication_required: { status: 403, code: "reauthentication_required", message: "Confirm it is you: enter your password or a second-factor code again to continue" },
  mfa_required: { status: 403, code: "mfa_required", message: "A second factor is required to finish signing in" },
  mfa_setup_required: { status: 403, code: "mfa_setup_required", message: "Your role requires a second factor: set one up to continue" },

  not_found: { status: 404, code: "not_found", message: "Not found" },

  conflict: { status: 409, code: "conflict", message: "The resource already exists" },
  cannot_modify_self: { status: 409, code: "cannot_modify_self", message: "Administrators cannot do this to their own account" },
  last_admin: { status: 409, code: "last_admin", message: "The last active admin cannot be disabled, demoted or deleted" },
  last_sign_in_method: { status: 409, code: "last_sign_in_method", message: "This is the account's only way to sign in: set a password, link another provider or add another passkey first" },

  request_timeout: { status: 408, code: "request_timeout", message: "The request body did not arrive in time" },
  method_not_allowed: { status: 405, code: "method_not_allowed", message: "This path does not take this method" },
  payload_too_large: { status: 413, code: "payload_too_large", message: "The request body is too large" },
  unsupported_media_type: { status: 415, code: "unsupported_media_type", message: "Send the body as application/json" },
  invalid_host: { status: 421, code: "invalid_host", message: "This server does not answer for that host name" },
  validation_error: { status: 422, code: "validation_error", message: "Some fields are invalid" },
  rate_limited: { status: 429, code: "rate_limited", message: "Too many requests; try again later" },

  internal_error: { status: 500, code: "internal_error", message: "Internal server error" },
  service_unavailable: { status: 503, code: "service_unavailable", message: "A backing service is unavailable; try again shortly" },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorName = keyof typeof ERRORS;
/** Every `code` a client can receive (the OpenAPI document publishes this list). */
export type ErrorCode = (typeof ERRORS)[ErrorName]["code"];

export function errorCodes(): ErrorCode[] {
  return [...new Set(Object.values(ERRORS).map((entry) => entry.code))];
}

export class AppError extends Error {
  override name = "AppError";
  readonly status: number;
  readonly code: ErrorCode;

  constructor(
    readonly kind: ErrorName,
    message?: string,
    readonly details: Record<string, unknown> = {},
    /** For 429s: when the caller may try again, and the limit it ran into (the HTTP layer makes headers of them). */
    readonly retry?: { afterSeconds: number; limit?: number },
  ) {
    super(message ?? ERRORS[kind].message);
    this.status = ERRORS[kind].status;
    this.code = ERRORS[kind].code;
  }
}

/** 422 with a message per field (never the submitted value: it may be a password). */
export const validationError = (fields: Record<string, string>) => new AppError("validation_error", undefined, { fields });

export const notFound = (what = "Resource") => new AppError("not_found", `${what} not found`);

export function rateLimited(retryAfterSeconds: number, limit?: number): AppError {
  const afterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError("rate_limited", undefined, { retry_after: afterSeconds }, { afterSeconds, limit });
}
