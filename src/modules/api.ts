/**
 * Everything under /api/v1 (and its alias /api). Each route declares its own policy (`auth`,
 * `role`, `rateLimit`); what holds for all of them is here: an unsafe request that rides on our
 * session cookies must come from one of our origins (src/http/origin.ts).
 */
import { type AnyElysia, Elysia } from "elysia";
import type { Deps } from "../deps";
import { refuseCrossSiteCookieRequest } from "../http/origin";
import { ACCESS_COOKIE, REFRESH_COOKIE } from "../http/session";
import { accountController } from "./account";
import { adminController } from "./admin";
import { acceptInviteController, adminManageController } from "./admin/manage-routes";
import { adminReportController } from "./admin/report-routes";
import { authController } from "./auth";
import { impersonationController } from "./impersonation";
import { mfaController } from "./mfa";
import { oauthController } from "./oauth";
import { passkeyController } from "./passkeys";
import { patController } from "./pats";

const SESSION_COOKIE = new RegExp(`(?:^|;\\s*)(?:${ACCESS_COOKIE}|${REFRESH_COOKIE})=`);

/**
 * The /admin controllers as one plugin whose route types are erased: nothing reads them (pages
 * call services, clients use the OpenAPI document), and carrying every route's types made the
 * app's type too complex for tsc (TS2590 in src/app.ts).
 */
function adminRoutes(deps: Deps): AnyElysia {
  return new Elysia().use(adminController(deps)).use(adminManageController(deps)).use(adminReportController(deps));
}

/** AnyElysia for the same reason as adminRoutes: clients read the OpenAPI document, not these types. */
export function apiRoutes(deps: Deps, prefix: "/api" | "/api/v1"): AnyElysia {
  return new Elysia({ prefix })
    .onBeforeHandle(({ request }) => refuseCrossSiteCookieRequest(request, deps.config, SESSION_COOKIE.test(request.headers.get("cookie") ?? "")))
    .use(authController(deps))
    .use(accountController(deps))
    .use(mfaController(deps))
    .use(adminRoutes(deps))
    .use(acceptInviteController(deps))
    .use(impersonationController(deps))
    .use(oauthController(deps))
    .use(patController(deps))
    .use(passkeyController(deps));
}
