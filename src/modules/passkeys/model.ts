/**
 * Passkey schemas. The WebAuthn options and credentials inside them are W3C JSON
 * (PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON, ...), passed through as the
 * specification spells them (camelCase) so `@simplewebauthn/browser` or `navigator.credentials`
 * take them as they are; everything Cobalt itself names is snake_case (docs/passkeys.md).
 */
import { t } from "elysia";
import { DateTime, named, nullable, requestBody, responseObject } from "../../http/model";
import { Text } from "../../http/text";

const Base64Url = (description: string, maxLength = 4096) => t.String({ minLength: 1, maxLength, pattern: "^[A-Za-z0-9_-]+$", error: `${description} must be base64url`, description });
const extras = { additionalProperties: true } as const;

const credentialCommon = {
  id: Base64Url("The credential id", 1024),
  rawId: Base64Url("The credential id", 1024),
  type: t.Literal("public-key"),
  clientExtensionResults: t.Optional(t.Object({}, extras)),
  authenticatorAttachment: t.Optional(t.String({ maxLength: 32 })),
};

export const RegistrationCredential = named(
  "PasskeyRegistrationCredential",
  t.Object(
    {
      ...credentialCommon,
      response: t.Object(
        {
          clientDataJSON: Base64Url("clientDataJSON"),
          attestationObject: Base64Url("attestationObject", 16384),
          transports: t.Optional(t.Array(t.String({ maxLength: 32 }), { maxItems: 10 })),
        },
        extras,
      ),
    },
    { ...extras, description: "What `startRegistration()` (or `navigator.credentials.create()`, serialised) returns: W3C RegistrationResponseJSON" },
  ),
);

export const AssertionCredential = named(
  "PasskeyAssertionCredential",
  t.Object(
    {
      ...credentialCommon,
      response: t.Object(
        {
          clientDataJSON: Base64Url("clientDataJSON"),
          authenticatorData: Base64Url("authenticatorData"),
          signature: Base64Url("signature", 2048),
          userHandle: t.Optional(t.String({ maxLength: 128, pattern: "^[A-Za-z0-9_-]*$" })),
        },
        extras,
      ),
    },
    { ...extras, description: "What `startAuthentication()` (or `navigator.credentials.get()`, serialised) returns: W3C AuthenticationResponseJSON" },
  ),
);

const opaqueOptions = (description: string) => t.Object({ challenge: t.String({ description: "base64url; single use, valid five minutes" }) }, { ...extras, description });

const passkeyFields = {
  id: t.String({ format: "uuid" }),
  name: t.String({ examples: ["MacBook Touch ID"] }),
  created_at: DateTime(),
  last_used_at: nullable(DateTime()),
  backed_up: t.Boolean({ description: "The authenticator says the credential is synced (a multi-device passkey)" }),
  device_type: t.Union([t.Literal("singleDevice"), t.Literal("multiDevice")]),
  transports: t.Array(t.String()),
};
const Passkey = named("Passkey", responseObject(passkeyFields));

const PasskeyName = Text({ minLength: 1, maxLength: 100, error: "Name must be 1 to 100 characters", examples: ["MacBook Touch ID"] });

export const PasskeyModel = {
  passkey: Passkey,
  list: named("PasskeyList", responseObject({ passkeys: t.Array(Passkey) })),
  creationOptions: named(
    "PasskeyCreationOptions",
    responseObject({ options: opaqueOptions("W3C PublicKeyCredentialCreationOptionsJSON: pass to `startRegistration({ optionsJSON })`") }),
  ),
  registered: named(
    "RegisteredPasskey",
    responseObject({ ...passkeyFields, recovery_codes: t.Array(t.String(), { description: "Ten single-use codes when this was the account's first second factor, shown this once; empty otherwise" }) }),
  ),
  requestOptions: named("PasskeyRequestOptions", responseObject({ options: opaqueOptions("W3C PublicKeyCredentialRequestOptionsJSON limited to the user's passkeys: pass to `startAuthentication({ optionsJSON })`") })),
  register: named("RegisterPasskeyRequest", requestBody({ name: t.Optional(PasskeyName), credential: RegistrationCredential })),
  rename: named("RenamePasskeyRequest", requestBody({ name: PasskeyName })),
  loginOptions: named(
    "PasskeyLoginOptions",
    responseObject({
      challenge_id: t.String({ description: "Send it back with the credential: the challenge is bound to it" }),
      options: opaqueOptions("W3C PublicKeyCredentialRequestOptionsJSON for a discoverable credential: pass to `startAuthentication({ optionsJSON })`"),
    }),
  ),
  login: named("PasskeyLoginRequest", requestBody({ challenge_id: t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$", error: "challenge_id is the one the options came with" }), credential: AssertionCredential })),
};

export type RegistrationCredentialJSON = typeof RegistrationCredential.static;
export type AssertionCredentialJSON = typeof AssertionCredential.static;
export type PasskeyView = typeof Passkey.static;
