import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { DateTime, Integer, named, nullable, requestBody, responseObject } from "../../http/model";
import { Text } from "../../http/text";
import { AnyPassword } from "../auth/model";
import { AssertionCredential } from "../passkeys/model";
import { FACTOR_METHODS, type FactorMethod } from "./factors";

// A string with an enum (as ErrorCode): a union of literals would be rebuilt as a bare enum and lose its name.
export const MfaMethod = named(
  "MfaMethod",
  Type.Unsafe<FactorMethod>(Type.String({ enum: [...FACTOR_METHODS], description: "A way to pass the second step: `totp` (authenticator app), `passkey`, `recovery_code`" })),
);

/** A TOTP code (six digits; spaces and dashes ignored) or a recovery code (`abcd-efgh-ijkl`). */
const Code = Text({ minLength: 1, maxLength: 64, error: "Enter the code", examples: ["123456"] });

const RecoveryCodes = named(
  "RecoveryCodes",
  responseObject({
    recovery_codes: t.Array(t.String({ examples: ["abcd-efgh-ijkl"] }), {
      description: "Ten single-use codes, shown this once (store them now). Empty when enabling a factor beside codes the user already has.",
    }),
  }),
);

export const MfaModel = {
  status: named(
    "MfaStatus",
    responseObject({
      totp: nullable(responseObject({ enabled: t.Literal(true), created_at: DateTime({ description: "When the app was enabled" }) }), { description: "The authenticator app, or null" }),
      recovery_codes_remaining: Integer({ minimum: 0, description: "Unused recovery codes" }),
      passkeys: t.Array(
        named(
          "PasskeySummary",
          responseObject({ id: t.String({ format: "uuid" }), name: t.String(), created_at: DateTime(), last_used_at: nullable(DateTime()), backed_up: t.Boolean({ description: "Synced by its provider (multi-device)" }) }),
        ),
      ),
    }),
  ),
  totpSetup: named(
    "TotpSetup",
    responseObject({
      secret: t.String({ description: "The seed in base32, for typing into the app", examples: ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"] }),
      otpauth_url: t.String({ description: "`otpauth://totp/...` (SHA-1, 6 digits, 30 s)" }),
      qr_svg: t.String({ description: "The otpauth URL as a QR code: an SVG document (no script)" }),
    }),
  ),
  totpEnable: named("EnableTotpRequest", requestBody({ code: Code })),
  recoveryCodes: RecoveryCodes,
  verify: named(
    "MfaVerifyRequest",
    requestBody({
      mfa_token: Text({ minLength: 1, maxLength: 256, error: "The mfa_token from the sign-in answer is required", description: "`details.mfa_token` of the 403 `mfa_required` answer" }),
      method: MfaMethod,
      code: t.Optional(Code),
      credential: t.Optional(AssertionCredential),
    }, { description: "`code` for totp and recovery_code; `credential` (the browser's answer to POST /auth/mfa/passkey/options) for passkey" }),
  ),
  passkeyOptions: named("MfaPasskeyOptionsRequest", requestBody({ mfa_token: Text({ minLength: 1, maxLength: 256, error: "The mfa_token from the sign-in answer is required" }) })),
  reauthenticate: named(
    "ReauthenticateRequest",
    requestBody(
      {
        password: t.Optional(AnyPassword),
        method: t.Optional(MfaMethod),
        code: t.Optional(Code),
        credential: t.Optional(AssertionCredential),
      },
      { description: "Either `password`, or `method` with `code` (or `credential` for a passkey, answering POST /auth/reauthenticate/passkey/options)" },
    ),
  ),
  reauthenticated: named(
    "Reauthenticated",
    responseObject({
      authenticated_at: DateTime({ description: "This session's last authentication: now" }),
      recent_until: DateTime({ description: "Until when sensitive changes need no new authentication" }),
    }),
  ),
};
