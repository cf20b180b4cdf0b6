import { Elysia, t } from "elysia";
import type { Session } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { clientInfo } from "../../http/context";
import { BEARER, BEARER_OR_COOKIE, errorResponses, NoContent, operation, PUBLIC, REFRESH_COOKIE_OR_BODY, Uuid, withHeaders } from "../../http/model";
import { adminSessionView } from "../admin/view";
import { toMe } from "../users/service";
import { ACCESS_COOKIE, authGuard, readAccessToken, REFRESH_COOKIE } from "./guard";
import { AuthModel, SessionList } from "./model";
import * as auth from "./service";

/** The refresh cookie these answers set (DESIGN: HttpOnly, SameSite=Lax, Path=/, Secure outside dev). */
const setsRefreshCookie = { "Set-Cookie": t.String({ description: "`refresh_token=<token>; HttpOnly; SameSite=Lax; Path=/; Max-Age=<refresh TTL>` (plus `Secure` outside development)" }) };
const clearsCookies = { "Set-Cookie": t.String({ description: "Expires the `refresh_token` and `access_token` cookies" }) };

function sessionView(session: Session, currentId: string) {
  return { ...adminSessionView(session), current: session.id === currentId };
}

export function authController(deps: Deps) {
  const { config } = deps;
  const cookieOptions = {
    httpOnly: true,
    sameSite: "lax" as const,
    path: "/",
    secure: config.env === "production" || config.appUrl.startsWith("https://"),
  };

  const tokenResponse = (result: auth.SignedIn) => ({
    access_token: result.accessToken,
    token_type: "Bearer" as const,
    expires_in: result.expiresIn,
    user: toMe(result.user),
  });

  return new Elysia({ prefix: "/auth", detail: { tags: ["Auth"] } })
    .use(authGuard(deps))
    .post(
      "/register",
      async ({ body, cookie, request, set, status }) => {
        const result = await auth.register(deps, body, clientInfo(request));
        cookie[REFRESH_COOKIE]!.set({ value: result.refreshToken!, maxAge: config.refreshTokenTtl, ...cookieOptions });
        set.headers.location = "/api/v1/auth/me";
        return status(201, tokenResponse(result));
      },
      {
        body: AuthModel.register,
        response: {
          201: withHeaders(AuthModel.tokenResponse, { ...setsRefreshCookie, Location: t.String({ description: "The new account: `/api/v1/auth/me`" }) }),
          ...errorResponses(409),
        },
        detail: operation("register", "Create an account and sign in", { security: PUBLIC, description: "Answers a token response and sets the `refresh_token` cookie. 409 `conflict` when the username or email is taken (case-insensitive)." }),
      },
    )
    .post(
      "/login",
      async ({ body, cookie, request }) => {
        const result = await auth.login(deps, { usernameOrEmail: body.username_or_email, password: body.password }, clientInfo(request));
        cookie[REFRESH_COOKIE]!.set({ value: result.refreshToken!, maxAge: config.refreshTokenTtl, ...cookieOptions });
        return tokenResponse(result);
      },
      {
        body: AuthModel.login,
        response: { 200: withHeaders(AuthModel.tokenResponse, setsRefreshCookie), ...errorResponses(401, 403) },
        detail: operation("login", "Sign in with username or email", {
          security: PUBLIC,
          description: "Sets the `refresh_token` cookie. Unknown account and wrong password get the same 401 `invalid_credentials`; a disabled account gets 403 `account_disabled`.",
        }),
      },
    )
    .post(
      "/refresh",
      async ({ body, cookie, request }) => {
        const presented = body?.refresh_token || (cookie[REFRESH_COOKIE]?.value as string | undefined);
        if (!presented) throw new AppError("invalid_token", "No refresh token: send the refresh_token cookie");
        const result = await auth.refresh(deps, presented, clientInfo(request));
        if (result.refreshToken) cookie[REFRESH_COOKIE]!.set({ value: result.refreshToken, maxAge: config.refreshTokenTtl, ...cookieOptions });
        return tokenResponse(result);
      },
      {
        body: AuthModel.refresh,
        response: { 200: withHeaders(AuthModel.tokenResponse, setsRefreshCookie), ...errorResponses(401, 403) },
        detail: operation("refresh", "Rotate the refresh token", {
          security: REFRESH_COOKIE_OR_BODY,
          description:
            "Reads the `refresh_token` cookie, or `refresh_token` in the (optional) body, answers a new token response and sets a new cookie. 401 `invalid_token` when the token is missing, unknown or expired. A replaced token presented again after the grace window revokes the whole session.",
        }),
      },
    )
    .post(
      "/logout",
      async ({ headers, cookie, request, status }) => {
        const token = readAccessToken(headers.authorization, cookie[ACCESS_COOKIE]?.value);
        const claims = token ? ((await deps.accessTokens.verify(token, Math.floor(deps.clock.now() / 1000))) ?? undefined) : undefined;
        const refreshToken = cookie[REFRESH_COOKIE]?.value as string | undefined;
        await auth.logout(deps, { claims, refreshToken }, clientInfo(request));
        cookie[REFRESH_COOKIE]!.remove();
        cookie[ACCESS_COOKIE]!.remove();
        return status(204, undefined);
      },
      {
        response: { 204: withHeaders(NoContent, clearsCookies) },
        detail: operation("logout", "Sign out of this session", {
          security: BEARER_OR_COOKIE,
          description: "Send the bearer token, the access cookie or the refresh cookie (any or all): revokes the session and denies the access token until it expires; clears the cookies. Always 204.",
        }),
      },
    )
    .post(
      "/logout-all",
      async ({ auth: caller, cookie, request, status }) => {
        await auth.logoutAll(deps, caller, clientInfo(request));
        cookie[REFRESH_COOKIE]!.remove();
        cookie[ACCESS_COOKIE]!.remove();
        return status(204, undefined);
      },
      { auth: true, response: { 204: withHeaders(NoContent, clearsCookies) }, detail: operation("logoutAll", "Sign out of every session", { security: BEARER, description: "Revokes every session of the user, this one included, and clears the cookies." }) },
    )
    .get("/me", async ({ auth: caller }) => toMe(await auth.getCurrentUser(deps, caller)), {
      auth: true,
      response: { 200: AuthModel.me },
      detail: operation("getMe", "The signed-in user", { security: BEARER, description: "The profile of the user the token belongs to." }),
    })
    .get(
      "/sessions",
      async ({ auth: caller }) => ({ sessions: (await auth.listSessions(deps, caller)).map((session) => sessionView(session, caller.sessionId)) }),
      { auth: true, response: { 200: SessionList }, detail: operation("listSessions", "The user's active sessions", { security: BEARER, description: "Every session of the user that has not ended or expired; `current` marks the one making the request." }) },
    )
    .delete(
      "/sessions/:id",
      async ({ auth: caller, params, request, status }) => {
        await auth.endOwnSession(deps, caller, params.id, clientInfo(request));
        return status(204, undefined);
      },
      {
        auth: true,
        params: t.Object({ id: Uuid }),
        response: { 204: NoContent, ...errorResponses(404) },
        detail: operation("endSession", "End one of the user's own sessions", { security: BEARER, description: "404 for a session that is not the caller's." }),
      },
    );
}
