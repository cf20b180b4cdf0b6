/** Bodies and answers of the self-service routes (docs/self-service.md). */
import { t } from "elysia";
import { DateTime, Integer, named, nullable, requestBody, responseObject } from "../../http/model";
import { Text } from "../../http/text";
import { Email, Username } from "../auth/model";

const OneTimeToken = Text({ minLength: 1, maxLength: 512, error: "A token is required", description: "The token from the emailed link" });
const Uuid = t.String({ format: "uuid" });
const Time = DateTime();
const MaybeTime = nullable(DateTime());
const MaybeText = nullable(t.String());

const ExportProfile = responseObject({
  id: Uuid,
  username: t.String(),
  email: t.String(),
  email_verified: t.Boolean(),
  email_verified_at: MaybeTime,
  role: t.Union([t.Literal("user"), t.Literal("admin")]),
  has_password: t.Boolean({ description: "Whether a password is set (never the password or its hash)" }),
  created_at: Time,
  updated_at: Time,
  last_login_at: MaybeTime,
  last_login_ip: MaybeText,
  last_login_user_agent: MaybeText,
});

const ExportSession = responseObject({
  id: Uuid,
  created_at: Time,
  last_used_at: Time,
  expires_at: Time,
  authenticated_at: Time,
  revoked_at: MaybeTime,
  revoked_reason: MaybeText,
  ip: MaybeText,
  user_agent: MaybeText,
});

export const AccountModel = {
  updateMe: named("UpdateMeRequest", requestBody({ username: Username })),
  changeEmail: named("ChangeEmailRequest", requestBody({ new_email: Email })),
  confirmEmail: named("ConfirmEmailRequest", requestBody({ token: OneTimeToken })),
  emailChangeRequested: named(
    "EmailChangeRequested",
    responseObject({ message: t.String(), new_email: t.String({ description: "The address the link was sent to, in its stored spelling" }), expires_in: Integer({ description: "Seconds the link stays usable" }) }),
  ),
  sessionsEnded: named("SessionsEnded", responseObject({ sessions_ended: Integer({ description: "How many other sessions were ended" }) })),
  export: named(
    "AccountExport",
    responseObject(
      {
        exported_at: Time,
        profile: ExportProfile,
        sessions: t.Array(ExportSession, { description: "Every session row, ended ones included" }),
        identities: t.Array(responseObject({ id: Uuid, provider: t.String(), provider_account_id: t.String(), email: MaybeText, created_at: Time })),
        personal_access_tokens: t.Array(
          responseObject({ id: Uuid, name: t.String(), scopes: t.Array(t.String()), created_at: Time, expires_at: Time, last_used_at: MaybeTime, last_used_ip: MaybeText, revoked_at: MaybeTime }),
          { description: "Metadata only: a token is never stored, only its hash, and neither is exported" },
        ),
        email_links: t.Array(
          responseObject({ purpose: t.String(), created_at: Time, expires_at: Time, used_at: MaybeTime, new_email: MaybeText }),
          { description: "Verification, reset and email-change links mailed to the user (metadata only)" },
        ),
        mfa: responseObject({
          totp: nullable(responseObject({ enabled: t.Boolean(), created_at: Time, enabled_at: MaybeTime }), { description: "The authenticator app, without its secret" }),
          recovery_codes: responseObject({ total: Integer(), unused: Integer() }),
          passkeys: t.Array(
            responseObject({
              id: Uuid,
              credential_id: t.String({ description: "The credential id the authenticator reported (base64url)" }),
              name: t.String(),
              created_at: Time,
              last_used_at: MaybeTime,
              transports: t.Array(t.String()),
              backed_up: t.Boolean({ description: "Whether the passkey is synced (backed up) by its provider" }),
              device_type: t.Union([t.Literal("singleDevice"), t.Literal("multiDevice")]),
              aaguid: t.String({ description: "The authenticator model's AAGUID, as it reported it (attestation is not checked)" }),
            }),
            { description: "The account's passkeys, oldest first; not their public keys or signature counters (no private key is ever stored)" },
          ),
        }),
        audit_events: t.Array(
          responseObject({ id: Uuid, action: t.String(), actor_id: nullable(Uuid), target_id: nullable(Uuid), ip: MaybeText, user_agent: MaybeText, details: t.Record(t.String(), t.Unknown()), created_at: Time }),
          { description: "Events about the user, and those it caused that name no one else" },
        ),
      },
      { description: "Everything stored about the user; never a password hash, token, token hash or factor secret" },
    ),
  ),
};

export type AccountExport = typeof AccountModel.export.static;
