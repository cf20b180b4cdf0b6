/** /invite: the page an admin's invitation opens (docs/admin.md). */
import { findOneTimeToken } from "../../modules/auth/one-time-tokens";
import { acceptInvitation } from "../../modules/auth/invitations";
import { ManageModel } from "../../modules/admin/manage-model";
import { csrfTokenFor, type PageContext, startBrowserSession, type WebEnv } from "../context";
import { emptyForm, type FormFailure, formFailure, hasErrors, invalid, validateForm } from "../forms";
import { pages } from "../plugin";
import { LinkProblemPage } from "../pages/account";
import { InvitePage, TEXT } from "../pages/invite";
import { redirect, render } from "../respond";

function linkProblem(ctx: PageContext, status: number, text: string = TEXT.deadLink.text): Promise<Response> {
  return render(ctx, { title: TEXT.title, narrow: true, status, body: () => <LinkProblemPage title={TEXT.deadLink.title} text={text} signedIn={ctx.viewer !== null} /> });
}

/** A dead link shows why, without a password form that could only fail. */
async function showInvite(ctx: PageContext, token: string, failure?: FormFailure): Promise<Response> {
  // The token in the URL must not leak to other sites through the Referer header.
  ctx.headers.set("referrer-policy", "no-referrer");
  if (!token) return linkProblem(ctx, 400, TEXT.deadLink.incomplete);
  if (!failure) {
    try {
      await findOneTimeToken(ctx.deps.database.db, token, "invite", new Date(ctx.deps.clock.now()));
    } catch {
      return linkProblem(ctx, 400);
    }
  }
  const state = { ...emptyForm(), errors: failure?.errors ?? {}, notice: failure?.notice };
  return render(ctx, { title: TEXT.title, narrow: true, status: failure?.status, body: () => <InvitePage token={token} state={state} csrfToken={csrfTokenFor(ctx)} /> });
}

async function submitInvite(ctx: PageContext): Promise<Response> {
  const token = ctx.form.token ?? "";
  const errors = validateForm(ManageModel.acceptInvite, ctx.form);
  if (hasErrors(errors)) return errors.token ? linkProblem(ctx, 400) : showInvite(ctx, token, invalid(errors));
  try {
    startBrowserSession(ctx, await acceptInvitation(ctx.deps, token, ctx.form.password!, ctx.client));
  } catch (error) {
    const failure = formFailure(error);
    return failure.status === 400 ? linkProblem(ctx, 400) : showInvite(ctx, token, failure);
  }
  return redirect(ctx, "/dashboard");
}

export function invitePages(env: WebEnv) {
  return pages(env)
    .get("/invite", ({ page }) => showInvite(page, page.url.searchParams.get("token") ?? ""), { viewer: "optional" })
    .post("/invite", ({ page }) => submitInvite(page), { viewer: "optional", rateLimit: "login" });
}
