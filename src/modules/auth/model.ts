import { t } from "elysia";
import { DateTime, Integer, named, nullable, requestBody, responseObject } from "../../http/model";
import { Text, type TextOptions } from "../../http/text";
import { EMAIL_MAX, EMAIL_RULE, USERNAME_MAX, USERNAME_MIN, USERNAME_PATTERN, USERNAME_RULE } from "../users/identity";

/**
 * Field rules shared by the API and the pages (which validate with the same schemas). Every
 * client string is a Text: no control, invisible or direction characters, lengths in code points.
 */
export const Username = Text({
  minLength: USERNAME_MIN,
  maxLength: USERNAME_MAX,
  pattern: USERNAME_PATTERN,
  error: USERNAME_RULE,
  examples: ["ada_lovelace"],
});
/** Checked in the spelling it will be stored in (src/modules/users/identity.ts). */
export const Email = Text({ maxLength: EMAIL_MAX, format: "email", error: EMAIL_RULE, examples: ["ada@example.com"] });
/** Tab is the one control character a password may hold; the service normalises with NFKC. */
export const NewPassword = Text({ minLength: 8, maxLength: 128, allowTab: true, error: "Password must be 8 to 128 characters", examples: ["correct horse battery staple"] });
/** Sign-in takes any string up to the maximum: a wrong password is a 401, not a 422. */
const ANY_PASSWORD: TextOptions = { minLength: 1, maxLength: 1024, allowTab: true, error: "Enter your password", examples: ["correct horse battery staple"] };
export const AnyPassword = Text(ANY_PASSWORD);
export const CurrentPassword = Text({ ...ANY_PASSWORD, error: "Enter your current password" });

export const Me = named(
  "Me",
  responseObject({
    id: t.String({ format: "uuid" }),
    username: t.String({ examples: ["ada_lovelace"] }),
    email: t.String({ examples: ["ada@example.com"] }),
    email_verified: t.Boolean(),
    role: t.Union([t.Literal("user"), t.Literal("admin")]),
    created_at: DateTime(),
  }),
);

/** A session as its owner and admins see it; the owner's list also says which one is `current`. */
const sessionFields = {
  id: t.String({ format: "uuid" }),
  created_at: DateTime(),
  last_used_at: DateTime(),
  expires_at: DateTime(),
  ip: nullable(t.String(), { description: "Client IP at sign-in, when known" }),
  user_agent: nullable(t.String(), { description: "User-Agent at sign-in, when sent" }),
  impersonated: t.Boolean({ description: "Opened by an administrator signed in as this account (docs/impersonation.md); it ends by itself within 30 minutes" }),
};
export const AdminSession = named("AdminSession", responseObject(sessionFields));

export const AuthModel = {
  register: named("RegisterRequest", requestBody({ username: Username, email: Email, password: NewPassword })),
  login: named(
    "LoginRequest",
    requestBody({
      username_or_email: Text({ minLength: 1, maxLength: 254, error: "Enter your username or email", examples: ["ada_lovelace"] }),
      password: AnyPassword,
    }),
  ),
  refresh: t.Optional(named("RefreshRequest", requestBody({ refresh_token: t.Optional(Text({ maxLength: 512, description: "Only for clients that cannot keep the cookie" })) }))),
  tokenResponse: named(
    "TokenResponse",
    responseObject({
      access_token: t.String({ description: "JWT to send as `Authorization: Bearer <token>`" }),
      token_type: t.Literal("Bearer"),
      expires_in: Integer({ description: "Seconds until the access token expires", examples: [900] }),
      user: Me,
    }),
  ),
  me: Me,
  session: named("Session", responseObject({ ...sessionFields, current: t.Boolean({ description: "The session this request is made with" }) })),
};

export const SessionList = named("SessionList", responseObject({ sessions: t.Array(AuthModel.session) }));

const OneTimeToken = Text({ minLength: 1, maxLength: 512, error: "A token is required", description: "The token from the emailed link" });
const Message = named("Message", responseObject({ message: t.String({ examples: ["Done."] }) }));

/** Email verification and the password flows. */
export const CredentialsModel = {
  verifyEmail: named("VerifyEmailRequest", requestBody({ token: OneTimeToken })),
  forgotPassword: named("ForgotPasswordRequest", requestBody({ email: Email })),
  resetPassword: named("ResetPasswordRequest", requestBody({ token: OneTimeToken, password: NewPassword })),
  changePassword: named(
    "ChangePasswordRequest",
    requestBody({
      current_password: CurrentPassword,
      new_password: NewPassword,
    }),
  ),
  accepted: Message,
  ok: Message,
};
