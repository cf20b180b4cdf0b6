/** /dashboard: profile, verification banner, change password, sessions, tokens (the actions are in ./account.tsx). */
import { isImpersonated } from "../../http/recent-auth";
import { pendingEmailChange } from "../../modules/account/email-change";
import { listSessions } from "../../modules/auth/service";
import { type Notice, noticeFrom } from "../components/ui";
import { csrfTokenFor, type WebEnv } from "../context";
import { emptyForm, type FormState } from "../forms";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { DashboardPage, TEXT } from "../pages/dashboard";
import { TEXT as SELF_SERVICE_TEXT } from "../pages/self-service";
import { render } from "../respond";
import { TEXT as IDENTITIES_TEXT } from "../pages/oauth";
import { TEXT as TOKENS_TEXT } from "../pages/tokens";
import { identitiesCardProps } from "./oauth";
import { type TokensState, tokensCardProps } from "./tokens";

/**
 * Fixed messages chosen by a query key (after a plain-form redirect); nothing from the URL is
 * shown. The dashboard's own, then those of the cards it shows, each from its page's table.
 */
const NOTICES = {
  ...TEXT.notices,
  ...IDENTITIES_TEXT.identities.notices,
  ...TOKENS_TEXT.notices,
  ...SELF_SERVICE_TEXT.notices,
} satisfies Record<string, Notice>;

export interface DashboardState {
  password?: FormState;
  notice?: Notice;
  status?: number;
  tokens?: TokensState;
  /** The profile card's forms sent back with errors (./self-service.tsx). */
  username?: FormState;
  email?: FormState;
  /** The danger zone's confirmation did not match. */
  deleteError?: string;
}

export async function showDashboard(ctx: SignedInContext, state: DashboardState = {}): Promise<Response> {
  const sessions = await listSessions(ctx.deps, ctx.viewer.auth);
  const props = {
    user: ctx.viewer.user,
    sessions,
    currentSessionId: ctx.viewer.auth.sessionId,
    csrfToken: csrfTokenFor(ctx),
    now: ctx.deps.clock.now(),
    password: state.password ?? emptyForm(),
    notice: state.notice ?? noticeFrom(NOTICES, ctx.url.searchParams.get("notice")),
    profile: { pending: await pendingEmailChange(ctx.deps, ctx.viewer.user.id), username: state.username ?? emptyForm(), email: state.email ?? emptyForm() },
    deleteError: state.deleteError,
    identities: await identitiesCardProps(ctx),
    tokens: await tokensCardProps(ctx, state.tokens),
    impersonated: isImpersonated(ctx.viewer.auth),
  };
  return render(ctx, { title: TEXT.title, section: "dashboard", status: state.status, body: () => <DashboardPage {...props} /> });
}

export function dashboardPages(env: WebEnv) {
  return pages(env).get("/dashboard", ({ page }) => showDashboard(signedIn(page)), { viewer: "required" });
}
