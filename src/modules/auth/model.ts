import { t } from "elysia";
import { DateTime, Integer, named, nullable, requestBody, responseObject } from "../../http/model";

/** Field rules shared by the API and the pages (which validate with the same schemas). */
export const Username = t.String({
  minLength: 3,
  maxLength: 50,
  pattern: "^[A-Za-z0-9_.-]+$",
  error: "Username must be 3 to 50 letters, digits, _ . or -",
  examples: ["ada_lovelace"],
});
export const Email = t.String({
  maxLength: 254,
  // A practical check (local@domain.tld, no spaces); the verification mail proves the rest.
  pattern: "^[^\\s@]{1,64}@[^\\s@]+\\.[^\\s@.]{2,}$",
  error: "Enter a valid email address",
  examples: ["ada@example.com"],
});
export const NewPassword = t.String({
  minLength: 8,
  maxLength: 128,
  error: "Password must be 8 to 128 characters",
  examples: ["correct horse battery staple"],
});
/** Sign-in takes any string up to the maximum: a wrong password is a 401, not a 422. */
export const AnyPassword = t.String({ minLength: 1, maxLength: 1024, error: "Enter your password", examples: ["correct horse battery staple"] });

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
};
export const AdminSession = named("AdminSession", responseObject(sessionFields));

export const AuthModel = {
  register: named("RegisterRequest", requestBody({ username: Username, email: Email, password: NewPassword })),
  login: named(
    "LoginRequest",
    requestBody({
      username_or_email: t.String({ minLength: 1, maxLength: 254, error: "Enter your username or email", examples: ["ada_lovelace"] }),
      password: AnyPassword,
    }),
  ),
  refresh: t.Optional(named("RefreshRequest", requestBody({ refresh_token: t.Optional(t.String({ maxLength: 512, description: "Only for clients that cannot keep the cookie" })) }))),
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

const OneTimeToken = t.String({ minLength: 1, maxLength: 512, error: "A token is required", description: "The token from the emailed link" });
const Message = named("Message", responseObject({ message: t.String({ examples: ["Done."] }) }));

/** Email verification and the password flows. */
export const CredentialsModel = {
  verifyEmail: named("VerifyEmailRequest", requestBody({ token: OneTimeToken })),
  forgotPassword: named("ForgotPasswordRequest", requestBody({ email: Email })),
  resetPassword: named("ResetPasswordRequest", requestBody({ token: OneTimeToken, password: NewPassword })),
  changePassword: named(
    "ChangePasswordRequest",
    requestBody({
      current_password: t.String({ minLength: 1, maxLength: 1024, error: "Enter your current password" }),
      new_password: NewPassword,
    }),
  ),
  accepted: Message,
  ok: Message,
};
