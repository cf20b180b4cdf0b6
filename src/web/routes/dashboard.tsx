/** The dashboard and the actions on it: resend verification, change password, end a session. */
import { Elysia } from "elysia";
import { AccountModel } from "../../modules/account/model";
import { changePassword, sendVerification } from "../../modules/account/service";
import { endOwnSession, getCurrentUser, listSessions } from "../../modules/auth/service";
import type { Notice } from "../components/ui";
import type { WebEnv } from "../context";
import { issueCsrfToken } from "../csrf";
import { emptyForm, type FormFailure, type FormState, formFailure, hasErrors, invalid, validateForm } from "../forms";
import { type SignedInContext, signedInPage } from "../page";
import { ChangePasswordForm, DashboardPage, SessionsCard, VerificationBanner } from "../pages/dashboard";
import { redirect, render } from "../respond";
import { IDENTITY_NOTICES, identitiesCardProps } from "./oauth";

/** Fixed messages chosen by a query key (after a plain-form redirect); nothing from the URL is shown. */
const NOTICES = {
  welcome: { tone: "success", text: "Welcome to Cobalt! Your account is ready. Check your inbox for a link to verify your email address." },
  verified: { tone: "success", text: "Thank you, your email address is verified." },
  "password-changed": { tone: "success", text: "Password changed. Your other sessions have been signed out." },
  "verification-sent": { tone: "success", text: "A new verification link is on its way. It may take a minute to arrive." },
  "session-ended": { tone: "success", text: "Session ended. That device is signed out." },
  ...IDENTITY_NOTICES,
} satisfies Record<string, Notice>;
type NoticeKey = keyof typeof NOTICES;
const noticeFor = (key: string | null): Notice | undefined => (key && key in NOTICES ? NOTICES[key as NoticeKey] : undefined);

interface DashboardState {
  password?: FormState;
  notice?: Notice;
  status?: number;
}

async function showDashboard(ctx: SignedInContext, state: DashboardState = {}): Promise<Response> {
  const sessions = await listSessions(ctx.deps, ctx.viewer.auth);
  const props = {
    user: ctx.viewer.user,
    sessions,
    currentSessionId: ctx.viewer.auth.sessionId,
    csrfToken: issueCsrfToken(ctx),
    now: ctx.deps.clock.now(),
    password: state.password ?? emptyForm(),
    notice: state.notice ?? noticeFor(ctx.url.searchParams.get("notice")),
    identities: await identitiesCardProps(ctx),
  };
  return render(ctx, { title: "Dashboard", section: "dashboard", status: state.status, body: () => <DashboardPage {...props} /> });
}

async function submitPassword(ctx: SignedInContext): Promise<Response> {
  const errors = validateForm(AccountModel.changePassword, ctx.form);
  let failure: FormFailure | undefined = hasErrors(errors) ? invalid(errors) : undefined;
  if (!failure) {
    try {
      await changePassword(ctx.deps, ctx.viewer.auth, ctx.form.current_password!, ctx.form.new_password!, ctx.client);
    } catch (error) {
      failure = formFailure(error);
    }
  }
  const state: FormState = { values: {}, errors: failure?.errors ?? {}, notice: failure?.notice ?? NOTICES["password-changed"] };
  if (!ctx.htmx.partial) return failure ? showDashboard(ctx, { password: state, status: failure.status }) : redirect(ctx, "/dashboard?notice=password-changed");
  return render(ctx, { title: "Dashboard", status: failure?.status, body: () => <ChangePasswordForm state={state} csrfToken={issueCsrfToken(ctx)} username={ctx.viewer.user.username} /> });
}

async function resendVerification(ctx: SignedInContext): Promise<Response> {
  let failure: FormFailure | undefined;
  try {
    await sendVerification(ctx.deps, ctx.viewer.auth, ctx.client);
  } catch (error) {
    failure = formFailure(error);
  }
  if (!ctx.htmx.partial) return failure ? showDashboard(ctx, { notice: failure.notice, status: failure.status }) : redirect(ctx, "/dashboard?notice=verification-sent");
  // Fresh from the database: the address may have been verified in another tab meanwhile.
  const user = await getCurrentUser(ctx.deps, ctx.viewer.auth);
  const notice = failure?.notice ?? NOTICES["verification-sent"];
  return render(ctx, { title: "Dashboard", status: failure?.status, body: () => <VerificationBanner user={user} csrfToken={issueCsrfToken(ctx)} notice={notice} /> });
}

async function endSession(ctx: SignedInContext): Promise<Response> {
  let failure: FormFailure | undefined;
  try {
    await endOwnSession(ctx.deps, ctx.viewer.auth, ctx.params.id ?? "", ctx.client);
  } catch (error) {
    failure = formFailure(error);
  }
  if (!ctx.htmx.partial) return failure ? showDashboard(ctx, { notice: failure.notice, status: failure.status }) : redirect(ctx, "/dashboard?notice=session-ended");
  const sessions = await listSessions(ctx.deps, ctx.viewer.auth);
  const props = { sessions, currentId: ctx.viewer.auth.sessionId, csrfToken: issueCsrfToken(ctx), now: ctx.deps.clock.now(), notice: failure?.notice ?? NOTICES["session-ended"] };
  return render(ctx, { title: "Dashboard", status: failure?.status, body: () => <SessionsCard {...props} /> });
}

export function dashboardPages(env: WebEnv) {
  return new Elysia({ detail: { hide: true } })
    .get("/dashboard", signedInPage(env, (ctx) => showDashboard(ctx)))
    .post("/account/password", signedInPage(env, submitPassword))
    .post("/account/verification", signedInPage(env, resendVerification, { bucket: "email" }))
    .post("/account/sessions/:id/end", signedInPage(env, endSession));
}
