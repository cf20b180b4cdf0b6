/** /dashboard: profile, verification banner, change password, sessions, tokens (the actions are in ./account.tsx). */
import { isImpersonated } from "../../http/recent-auth";
import { pendingEmailChange } from "../../modules/account/email-change";
import { listSessions } from "../../modules/auth/service";
import type { Notice } from "../components/ui";
import { csrfTokenFor, type WebEnv } from "../context";
import { emptyForm, type FormState } from "../forms";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { DashboardPage } from "../pages/dashboard";
import { SELF_SERVICE_NOTICES } from "../pages/self-service";
import { render } from "../respond";
import { IDENTITY_NOTICES, identitiesCardProps } from "./oauth";
import { TOKEN_NOTICES, type TokensState, tokensCardProps } from "./tokens";

/** Fixed messages chosen by a query key (after a plain-form redirect); nothing from the URL is shown. */
export const NOTICES = {
  welcome: { tone: "success", text: "Welcome to Cobalt! Your account is ready. Check your inbox for a link to verify your email address." },
  verified: { tone: "success", text: "Thank you, your email address is verified." },
  "password-changed": { tone: "success", text: "Password changed. Your other sessions have been signed out." },
  "verification-sent": { tone: "success", text: "A new verification link is on its way. It may take a minute to arrive." },
  "session-ended": { tone: "success", text: "Session ended. That device is signed out." },
  ...IDENTITY_NOTICES,
  ...TOKEN_NOTICES,
  ...SELF_SERVICE_NOTICES,
} satisfies Record<string, Notice>;
type NoticeKey = keyof typeof NOTICES;
const noticeFor = (key: string | null): Notice | undefined => (key && key in NOTICES ? NOTICES[key as NoticeKey] : undefined);

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
    notice: state.notice ?? noticeFor(ctx.url.searchParams.get("notice")),
    profile: { pending: await pendingEmailChange(ctx.deps, ctx.viewer.user.id), username: state.username ?? emptyForm(), email: state.email ?? emptyForm() },
    deleteError: state.deleteError,
    identities: await identitiesCardProps(ctx),
    tokens: await tokensCardProps(ctx, state.tokens),
    impersonated: isImpersonated(ctx.viewer.auth),
  };
  return render(ctx, { title: "Dashboard", section: "dashboard", status: state.status, body: () => <DashboardPage {...props} /> });
}

export function dashboardPages(env: WebEnv) {
  return pages(env).get("/dashboard", ({ page }) => showDashboard(signedIn(page)), { viewer: "required" });
}
