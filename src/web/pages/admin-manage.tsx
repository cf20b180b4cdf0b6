/**
 * Creating, editing and managing one user (docs/admin.md): plain forms that work without
 * JavaScript; the one destructive action ("sign out everywhere") is confirmed by htmx's
 * hx-confirm, or without JavaScript by a confirmation page holding the real POST.
 */
import Html from "@kitajs/html";
import type { User } from "../../db/schema";
import { Alert, attr, Button, buttonClass, Card, CsrfField, Field } from "../components/ui";
import type { FormState } from "../forms";
import { AdminHeader } from "./admin-shell";

/** Every word of the new-user and edit pages, the user page's Manage card and the sign-out confirmation (docs/pages.md). */
export const TEXT = {
  newUser: {
    title: "New user",
    heading: "New user",
    description: "The new user gets an email with a link to choose a password. The link works once, for 7 days, and verifies the address.",
    username: "Username",
    usernameHint: "3 to 50 letters, digits, _ . or -",
    email: "Email",
    role: "Role",
    user: "User",
    admin: "Admin",
    submit: "Create and send invitation",
    cancel: "Cancel",
  },
  edit: {
    title: (username: string) => `Edit ${username}`,
    heading: (username: string) => `Edit ${username}`,
    description: "A new email address is unverified unless you tick the box; links mailed to the old one stop working.",
    username: "Username",
    email: "Email",
    verified: "Email address verified",
    submit: "Save changes",
    cancel: "Cancel",
  },
  manage: {
    title: "Manage",
    description: "Changes are audited with your name.",
    edit: "Edit details",
    sendReset: "Send password reset link",
    unlock: "Unlock sign-in",
    signOut: "Sign out everywhere",
    signOutQuestion: (username: string) => `Sign ${username} out everywhere? Every device of theirs is signed out at once.`,
  },
  /** The no-JavaScript confirmation of "sign out everywhere". */
  logoutAll: {
    title: "Please confirm",
    heading: "Sign this user out everywhere?",
    text: (username: JSX.Element) => <>Every session of {username} ends at once, on every device. They can sign in again.</>,
    button: "Sign out everywhere",
    cancel: "Cancel",
  },
} as const;

const userPath = (user: Pick<User, "id">, rest = "") => `/admin/users/${user.id}${rest}`;
const selectClass = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950";

export function NewUserPage({ state, csrfToken }: { state: FormState; csrfToken: string }) {
  const role = state.values.role === "admin" ? "admin" : "user";
  return (
    <div class="max-w-xl">
      <AdminHeader tab="users" title={TEXT.newUser.heading} />
      <Card description={TEXT.newUser.description}>
        <form method="post" action="/admin/users/new" class="space-y-5">
          {state.notice ? <Alert {...state.notice} /> : ""}
          <CsrfField token={csrfToken} />
          <Field name="username" label={TEXT.newUser.username} value={state.values.username} error={state.errors.username} autocomplete="off" required maxlength={50} hint={TEXT.newUser.usernameHint} />
          <Field name="email" type="email" label={TEXT.newUser.email} value={state.values.email} error={state.errors.email} autocomplete="off" required maxlength={254} />
          <div class="space-y-1.5">
            <label for="f-role" class="block text-sm font-medium text-slate-700 dark:text-slate-300">
              {TEXT.newUser.role}
            </label>
            <select id="f-role" name="role" class={selectClass}>
              <option value="user" selected={role === "user"}>
                {TEXT.newUser.user}
              </option>
              <option value="admin" selected={role === "admin"}>
                {TEXT.newUser.admin}
              </option>
            </select>
          </div>
          <div class="flex flex-wrap gap-3">
            <Button>{TEXT.newUser.submit}</Button>
            <a href="/admin/users" class={buttonClass("secondary")}>
              {TEXT.newUser.cancel}
            </a>
          </div>
        </form>
      </Card>
    </div>
  );
}

export function EditUserPage({ user, state, csrfToken }: { user: User; state: FormState; csrfToken: string }) {
  const verified = state.values.email_verified === undefined ? user.emailVerified : state.values.email_verified === "on";
  return (
    <div class="max-w-xl">
      <AdminHeader tab="users" title={TEXT.edit.heading(user.username)} />
      <Card description={TEXT.edit.description}>
        <form method="post" action={attr(userPath(user, "/edit"))} class="space-y-5">
          {state.notice ? <Alert {...state.notice} /> : ""}
          <CsrfField token={csrfToken} />
          {/* Tells a submitted form with the box unticked from one that never had it. */}
          <input type="hidden" name="verified_field" value="1" />
          <Field name="username" label={TEXT.edit.username} value={state.values.username ?? user.username} error={state.errors.username} autocomplete="off" required maxlength={50} />
          <Field name="email" type="email" label={TEXT.edit.email} value={state.values.email ?? user.email} error={state.errors.email} autocomplete="off" required maxlength={254} />
          <label class="flex items-center gap-2 text-sm">
            <input type="checkbox" name="email_verified" checked={verified} class="size-4 rounded border-slate-300" />
            {TEXT.edit.verified}
          </label>
          <div class="flex flex-wrap gap-3">
            <Button>{TEXT.edit.submit}</Button>
            <a href={attr(userPath(user))} class={buttonClass("secondary")}>
              {TEXT.edit.cancel}
            </a>
          </div>
        </form>
      </Card>
    </div>
  );
}

function PostButton({ user, path, label, variant = "secondary", csrfToken }: { user: User; path: string; label: string; variant?: "secondary" | "danger"; csrfToken: string }) {
  return (
    <form method="post" action={attr(userPath(user, path))}>
      <CsrfField token={csrfToken} />
      <Button variant={variant}>{Html.escapeHtml(label)}</Button>
    </form>
  );
}

/** Edit, reset link, unlock and sign-out-everywhere, on the user's page. */
export function ManageCard({ user, isSelf, csrfToken }: { user: User; isSelf: boolean; csrfToken: string }) {
  const question = TEXT.manage.signOutQuestion(user.username);
  return (
    <Card title={TEXT.manage.title} description={TEXT.manage.description}>
      <div class="flex flex-wrap gap-3">
        <a href={attr(userPath(user, "/edit"))} class={buttonClass("secondary")}>
          {TEXT.manage.edit}
        </a>
        {user.disabledAt ? "" : <PostButton user={user} path="/send-reset" label={TEXT.manage.sendReset} csrfToken={csrfToken} />}
        <PostButton user={user} path="/unlock" label={TEXT.manage.unlock} csrfToken={csrfToken} />
        {isSelf ? (
          ""
        ) : (
          <form method="get" action={attr(userPath(user, "/logout-all"))} hx-post={attr(userPath(user, "/logout-all"))} hx-confirm={attr(question)}>
            <Button variant="danger">{TEXT.manage.signOut}</Button>
          </form>
        )}
      </div>
    </Card>
  );
}

/** The no-JavaScript confirmation of "sign out everywhere". */
export function LogoutAllConfirmPage({ user, csrfToken }: { user: User; csrfToken: string }) {
  return (
    <Card title={TEXT.logoutAll.heading} danger>
      <p class="text-sm text-slate-600 dark:text-slate-300">{TEXT.logoutAll.text(<strong safe>{user.username}</strong>) as "safe"}</p>
      <form method="post" action={attr(userPath(user, "/logout-all"))} class="mt-6 flex flex-wrap gap-3">
        <CsrfField token={csrfToken} />
        <Button variant="danger">{TEXT.logoutAll.button}</Button>
        <a href={attr(userPath(user))} class={buttonClass("secondary")}>
          {TEXT.logoutAll.cancel}
        </a>
      </form>
    </Card>
  );
}
