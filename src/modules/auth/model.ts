import { t } from "elysia";

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
});
/** Sign-in takes any string up to the maximum: a wrong password is a 401, not a 422. */
export const AnyPassword = t.String({ minLength: 1, maxLength: 1024, error: "Enter your password" });

export const Me = t.Object({
  id: t.String({ format: "uuid" }),
  username: t.String(),
  email: t.String(),
  email_verified: t.Boolean(),
  role: t.Union([t.Literal("user"), t.Literal("admin")]),
  created_at: t.String({ format: "date-time" }),
});

export const AuthModel = {
  register: t.Object({ username: Username, email: Email, password: NewPassword }),
  login: t.Object({
    username_or_email: t.String({ minLength: 1, maxLength: 254, error: "Enter your username or email" }),
    password: AnyPassword,
  }),
  refresh: t.Optional(t.Object({ refresh_token: t.Optional(t.String({ maxLength: 512 })) })),
  tokenResponse: t.Object({
    access_token: t.String(),
    token_type: t.Literal("Bearer"),
    expires_in: t.Number({ description: "Seconds until the access token expires" }),
    user: Me,
  }),
  me: Me,
  session: t.Object({
    id: t.String({ format: "uuid" }),
    created_at: t.String({ format: "date-time" }),
    last_used_at: t.String({ format: "date-time" }),
    expires_at: t.String({ format: "date-time" }),
    ip: t.Nullable(t.String()),
    user_agent: t.Nullable(t.String()),
    current: t.Boolean(),
  }),
};

export const SessionList = t.Object({ sessions: t.Array(AuthModel.session) });
