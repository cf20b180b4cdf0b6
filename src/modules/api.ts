/**
 * Everything under /api/v1 (and its alias /api). Each route declares its own policy (`auth`,
 * `role`, `rateLimit`); what holds for all of them is here: an unsafe request that rides on our
 * session cookies must come from one of our origins (src/http/origin.ts).
 */
import { Elysia } from "elysia";
import type { Deps } from "../deps";
import { refuseCrossSiteCookieRequest } from "../http/origin";
import { ACCESS_COOKIE, REFRESH_COOKIE } from "../http/session";
import { accountController } from "./account";
import { adminController } from "./admin";
import { authController } from "./auth";
import { mfaController } from "./mfa";
import { oauthController } from "./oauth";
import { passkeyController } from "./passkeys";
import { patController } from "./pats";

const SESSION_COOKIE = new RegExp(`(?:^|;\\s*)(?:${ACCESS_COOKIE}|${REFRESH_COOKIE})=`);

export function apiRoutes(deps: Deps, prefix: "/api" | "/api/v1") {
  return new Elysia({ prefix })
    .onBeforeHandle(({ request }) => refuseCrossSiteCookieRequest(request, deps.config, SESSION_COOKIE.test(request.headers.get("cookie") ?? "")))
    .use(authController(deps))
    .use(accountController(deps))
    .use(mfaController(deps))
    .use(adminController(deps))
    .use(oauthController(deps))
    .use(patController(deps))
    .use(passkeyController(deps));
}
