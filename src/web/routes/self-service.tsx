/**
 * The self-service page routes (docs/self-service.md): /account/username, /account/email,
 * /account/sessions/end-others, /account/delete, /account/export and /confirm-email. They call
 * the same services as the API. Plain posts redirect back to the dashboard with a notice; htmx
 * posts get the card they changed, rendered by the same component.
 */
import { isImpersonated } from "../../http/recent-auth";
import { confirmEmailChange, pendingEmailChange, requestEmailChange } from "../../modules/account/email-change";
import { exportAccount, exportFileName } from "../../modules/account/export";
import { AccountModel } from "../../modules/account/model";
import { changeUsername, deleteAccount, endOtherSessions } from "../../modules/account/service";
import { findTokenGrant } from "../../modules/auth/one-time-tokens";
import { getCurrentUser, listSessions } from "../../modules/auth/service";
import { csrfTokenFor, endBrowserSession, type PageContext, type WebEnv } from "../context";
import { emptyForm, type FormFailure, type FormState, formFailure, hasErrors, invalid, validateForm } from "../forms";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { TEXT as ACCOUNT_TEXT, LinkProblemPage } from "../pages/account";
import { AccountNameForPasswordManagers, TEXT as DASHBOARD_TEXT, Greeting, SessionsCard } from "../pages/dashboard";
import { ConfirmEmailPage, DeleteAccountCard, ProfileCard, TEXT } from "../pages/self-service";
import { redirect, render } from "../respond";
import { showDashboard } from "./dashboard";

type ProfileForm = "username" | "email";

/** The outcome of a profile form: the card again (htmx), the dashboard with errors, or a redirect with a notice. */
async function answerProfile(ctx: SignedInContext, form: ProfileForm, failure: FormFailure | undefined, done: keyof typeof TEXT.notices): Promise<Response> {
  const state: FormState = { values: failure ? ctx.form : {}, errors: failure?.errors ?? {} };
  if (!ctx.htmx.partial) {
    if (!failure) return redirect(ctx, `/dashboard?notice=${done}`);
    return showDashboard(ctx, { [form]: state, notice: failure.notice, status: failure.status });
  }
  // The row as it is now: the name just changed, or another tab changed it meanwhile.
  const user = await getCurrentUser(ctx.deps, ctx.viewer.auth);
  const props = {
    user,
    csrfToken: csrfTokenFor(ctx),
    pending: await pendingEmailChange(ctx.deps, user.id),
    username: form === "username" ? state : emptyForm(),
    email: form === "email" ? state : emptyForm(),
    notice: failure?.notice ?? TEXT.notices[done],
    impersonated: isImpersonated(ctx.viewer.auth),
  };
  // The name shows in three more places on the dashboard: they follow it (the delete card's
  // confirmation asks for the name exactly as shown).
  const renamed = form === "username" && !failure;
  return render(ctx, {
    title: DASHBOARD_TEXT.title,
    status: failure?.status,
    body: () => (
      <>
        <ProfileCard {...props} />
        {renamed ? (
          <>
            <Greeting username={user.username} outOfBand />
            <AccountNameForPasswordManagers username={user.username} outOfBand />
            <DeleteAccountCard user={user} csrfToken={props.csrfToken} outOfBand />
          </>
        ) : (
          ""
        )}
      </>
    ),
  });
}

async function submitUsername(ctx: SignedInContext): Promise<Response> {
  const errors = validateForm(AccountModel.updateMe, ctx.form);
  let failure: FormFailure | undefined = hasErrors(errors) ? invalid(errors) : undefined;
  if (!failure) {
    try {
      await changeUsername(ctx.deps, ctx.viewer.auth, ctx.form.username!, ctx.client);
    } catch (error) {
      failure = formFailure(error);
    }
  }
  return answerProfile(ctx, "username", failure, "username-changed");
}

async function submitEmail(ctx: SignedInContext): Promise<Response> {
  const errors = validateForm(AccountModel.changeEmail, ctx.form);
  let failure: FormFailure | undefined = hasErrors(errors) ? invalid(errors) : undefined;
  if (!failure) {
    try {
      await requestEmailChange(ctx.deps, ctx.viewer.auth, ctx.form.new_email!, ctx.client);
    } catch (error) {
      failure = formFailure(error);
    }
  }
  return answerProfile(ctx, "email", failure, "email-change-sent");
}

async function submitEndOthers(ctx: SignedInContext): Promise<Response> {
  let failure: FormFailure | undefined;
  try {
    await endOtherSessions(ctx.deps, ctx.viewer.auth, ctx.client);
  } catch (error) {
    failure = formFailure(error);
  }
  if (!ctx.htmx.partial) return failure ? showDashboard(ctx, { notice: failure.notice, status: failure.status }) : redirect(ctx, "/dashboard?notice=other-sessions-ended");
  const sessions = await listSessions(ctx.deps, ctx.viewer.auth);
  const props = { sessions, currentId: ctx.viewer.auth.sessionId, csrfToken: csrfTokenFor(ctx), now: ctx.deps.clock.now(), notice: failure?.notice ?? TEXT.notices["other-sessions-ended"] };
  return render(ctx, { title: DASHBOARD_TEXT.title, status: failure?.status, body: () => <SessionsCard {...props} /> });
}

async function submitDelete(ctx: SignedInContext): Promise<Response> {
  // The typed name must be the account's, exactly as shown: a slip of the hand deletes nothing.
  if ((ctx.form.confirm_username ?? "").trim() !== ctx.viewer.user.username) {
    return showDashboard(ctx, { deleteError: TEXT.delete.mismatch, notice: TEXT.delete.mismatchNotice, status: 422 });
  }
  try {
    await deleteAccount(ctx.deps, ctx.viewer.auth, ctx.client);
  } catch (error) {
    const failure = formFailure(error);
    return showDashboard(ctx, { notice: failure.notice, status: failure.status });
  }
  endBrowserSession(ctx);
  return redirect(ctx, "/login?notice=account-deleted");
}

async function downloadExport(ctx: SignedInContext): Promise<Response> {
  const data = await exportAccount(ctx.deps, ctx.viewer.auth, ctx.client);
  const headers = new Headers({
    "content-type": "application/json; charset=utf-8",
    "content-disposition": `attachment; filename="${exportFileName(data.profile.username, data.exported_at)}"`,
    "cache-control": "no-store",
  });
  return new Response(JSON.stringify(data, null, 2), { status: 200, headers });
}

function linkProblem(ctx: PageContext, error: unknown): Promise<Response> {
  const failure = formFailure(error);
  const text = TEXT.confirmEmail.linkProblem(failure.notice.text);
  return render(ctx, { title: ACCOUNT_TEXT.linkProblem.title, narrow: true, status: failure.status, body: () => <LinkProblemPage title={ACCOUNT_TEXT.linkProblem.heading} text={text} signedIn={ctx.viewer !== null} /> });
}

/** Looking is free of side effects (mail scanners open links); the button's POST confirms. */
async function showConfirmEmail(ctx: PageContext): Promise<Response> {
  ctx.headers.set("referrer-policy", "no-referrer");
  const token = ctx.url.searchParams.get("token") ?? "";
  let newEmail: string | null;
  try {
    newEmail = (await findTokenGrant(ctx.deps.database.db, token, "change_email", new Date(ctx.deps.clock.now()))).newEmail;
  } catch (error) {
    return linkProblem(ctx, error);
  }
  return render(ctx, { title: TEXT.confirmEmail.title, narrow: true, body: () => <ConfirmEmailPage token={token} newEmail={newEmail ?? ""} csrfToken={csrfTokenFor(ctx)} /> });
}

async function submitConfirmEmail(ctx: PageContext): Promise<Response> {
  let changed: { id: string };
  try {
    changed = await confirmEmailChange(ctx.deps, ctx.form.token ?? "", ctx.client);
  } catch (error) {
    return linkProblem(ctx, error);
  }
  if (!ctx.viewer) return redirect(ctx, "/login?notice=email-changed");
  // "Your email has changed" would be wrong for whoever else is signed in in this browser.
  return redirect(ctx, ctx.viewer.user.id === changed.id ? "/dashboard?notice=email-changed" : "/dashboard?notice=other-email-changed");
}

export function selfServicePages(env: WebEnv) {
  return pages(env)
    .post("/account/username", ({ page }) => submitUsername(signedIn(page)), { viewer: "required", rateLimit: "api" })
    .post("/account/email", ({ page }) => submitEmail(signedIn(page)), { viewer: "required", recentAuth: true, rateLimit: "email" })
    .post("/account/sessions/end-others", ({ page }) => submitEndOthers(signedIn(page)), { viewer: "required", notImpersonated: true, rateLimit: "api" })
    .post("/account/delete", ({ page }) => submitDelete(signedIn(page)), { viewer: "required", recentAuth: true, rateLimit: "api" })
    .get("/account/export", ({ page }) => downloadExport(signedIn(page)), { viewer: "required", notImpersonated: true, rateLimit: "api" })
    .get("/confirm-email", ({ page }) => showConfirmEmail(page), { viewer: "optional" })
    .post("/confirm-email", ({ page }) => submitConfirmEmail(page), { viewer: "optional", rateLimit: "api" });
}
