import { Elysia, t } from "elysia";
import type { Session } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { clientInfo } from "../../http/context";
import { errorResponses, NoContent, Uuid } from "../../http/model";
import { adminSessionView } from "../admin/view";
import { toMe } from "../users/service";
import { ACCESS_COOKIE, authGuard, readAccessToken, REFRESH_COOKIE } from "./guard";
import { AuthModel, SessionList } from "./model";
import * as auth from "./service";

const bearer = [{ bearer: [] }];

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
      async ({ body, cookie, request, status }) => {
        const result = await auth.register(deps, body, clientInfo(request));
        cookie[REFRESH_COOKIE]!.set({ value: result.refreshToken!, maxAge: config.refreshTokenTtl, ...cookieOptions });
        return status(201, tokenResponse(result));
      },
      {
        body: AuthModel.register,
        response: { 201: AuthModel.tokenResponse, ...errorResponses(409, 422, 429) },
        detail: { summary: "Create an account and sign in", description: "Sets the `refresh_token` cookie." },
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
        response: { 200: AuthModel.tokenResponse, ...errorResponses(401, 403, 422, 429) },
        detail: { summary: "Sign in with username or email", description: "Sets the `refresh_token` cookie. Unknown account and wrong password get the same 401." },
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
        response: { 200: AuthModel.tokenResponse, ...errorResponses(401, 403, 429) },
        detail: {
          summary: "Rotate the refresh token",
          description: "Reads the `refresh_token` cookie (or `refresh_token` in the body), answers a new access token and sets a new cookie. A replaced token presented again after the grace window revokes the whole session.",
        },
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
      { response: { 204: NoContent }, detail: { summary: "Sign out of this session", description: "Revokes the session and denies the access token until it expires; clears the cookie. Always 204." } },
    )
    .post(
      "/logout-all",
      async ({ auth: caller, cookie, request, status }) => {
        await auth.logoutAll(deps, caller, clientInfo(request));
        cookie[REFRESH_COOKIE]!.remove();
        cookie[ACCESS_COOKIE]!.remove();
        return status(204, undefined);
      },
      { auth: true, response: { 204: NoContent, ...errorResponses(401) }, detail: { summary: "Sign out of every session", security: bearer } },
    )
    .get("/me", async ({ auth: caller }) => toMe(await auth.getCurrentUser(deps, caller)), {
      auth: true,
      response: { 200: AuthModel.me, ...errorResponses(401) },
      detail: { summary: "The signed-in user", security: bearer },
    })
    .get(
      "/sessions",
      async ({ auth: caller }) => ({ sessions: (await auth.listSessions(deps, caller)).map((session) => sessionView(session, caller.sessionId)) }),
      { auth: true, response: { 200: SessionList, ...errorResponses(401) }, detail: { summary: "The user's active sessions", security: bearer } },
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
        response: { 204: NoContent, ...errorResponses(401, 404, 422) },
        detail: { summary: "End one of the user's own sessions", security: bearer },
      },
    );
}
