/** JSON views of a user and a session, snake_case with ISO dates; shared by the API, the admin API and the pages. */
import type { Session, User } from "../../db/schema";
import type { AuthModel } from "./model";
import type { SignedIn } from "./sessions";

export type Me = typeof AuthModel.me.static;
export type SessionView = Omit<typeof AuthModel.session.static, "current">;

export function toMe(user: Pick<User, "id" | "username" | "email" | "emailVerified" | "role" | "createdAt">): Me {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.emailVerified,
    role: user.role,
    created_at: user.createdAt.toISOString(),
  };
}

/** The body of every sign-in and refresh answer (TokenResponse); cookies are the controller's. */
export function tokenResponse(result: Pick<SignedIn, "accessToken" | "expiresIn" | "user">): typeof AuthModel.tokenResponse.static {
  return { access_token: result.accessToken, token_type: "Bearer", expires_in: result.expiresIn, user: toMe(result.user) };
}

export function sessionView(session: Session): SessionView {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    ip: session.ip,
    user_agent: session.userAgent,
    impersonated: session.impersonatorId !== null,
  };
}
