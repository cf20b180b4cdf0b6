/**
 * The self-service parts of the dashboard (docs/self-service.md): the profile card with its
 * "Change username" and "Change email" forms, "Your data", the danger zone, and the page the
 * email-change link opens. Every form is a plain POST that works without JavaScript; with htmx
 * the profile card replaces itself with the same component.
 */
import type { User } from "../../db/schema";
import { AuthShell } from "../components/auth-shell";
import { Alert, attr, Badge, Button, Card, CsrfField, Field, type Notice } from "../components/ui";
import { Time } from "../components/time";
import type { FormState } from "../forms";

/**
 * Every word of these cards and of /confirm-email, with the notices and messages their routes
 * put on them, in one place for a translation (docs/pages.md). A sentence with an element in it
 * takes the element as a slot, so it is translated whole.
 */
export const TEXT = {
  /** Fixed messages chosen by a query key (after a plain-form redirect); nothing from the URL is shown. */
  notices: {
    "username-changed": { tone: "success", text: "Username changed." },
    "email-change-sent": { tone: "success", text: "We sent a link to your new address. Your email changes when you open it; until then, keep using the current one." },
    "email-changed": { tone: "success", text: "Your email address has been changed." },
    // The link was opened in a browser signed in as another account (a shared computer, an admin's).
    "other-email-changed": { tone: "success", text: "The new email address is confirmed for the account that asked for it. The account signed in here is unchanged." },
    "other-sessions-ended": { tone: "success", text: "Your other sessions have been signed out. This device stays signed in." },
  } satisfies Record<string, Notice>,
  profile: {
    title: "Profile",
    description: "Your account details.",
    username: "Username",
    email: "Email",
    verified: "Verified",
    notVerified: "Not verified",
    pending: "Waiting for confirmation",
    pendingUntil: (newEmail: string, until: JSX.Element) => (
      <>
        <span safe>{`A link was sent to ${newEmail}; it works until `}</span>
        {until as "safe"}.
      </>
    ),
    role: "Role",
    admin: "Admin",
    user: "User",
    memberSince: "Member since",
    newUsername: "New username",
    usernameHint: "3 to 50 letters, digits, _ . or -",
    changeUsername: "Change username",
    emailLeftToUser: "Changing the email address is something only the user can do, signed in as themselves.",
    newEmail: "New email address",
    newEmailHint: "We send a link to the new address. Your address changes when you open it.",
    changeEmail: "Change email",
  },
  yourData: {
    title: "Your data",
    description: "Everything Cobalt stores about you: profile, sessions, linked accounts, tokens' details and your account's history.",
    download: "Download my data (JSON)",
  },
  delete: {
    title: "Delete account",
    description: "Deletes your account, its sessions, linked accounts, tokens and second factors. This cannot be undone.",
    confirmLabel: (username: string) => `To confirm, type your username: ${username}`,
    button: "Delete my account",
    mismatch: "Type your username exactly as shown to confirm",
    mismatchNotice: { tone: "error", text: "Nothing was deleted: the username did not match." } satisfies Notice,
  },
  confirmEmail: {
    title: "Confirm your new email address",
    lead: "Make this the address of your account.",
    instruction: (email: JSX.Element) => <>Press the button to use {email as "safe"} as your account's email address from now on.</>,
    button: "Confirm new email address",
    /** Why the link failed, then the rule of these links (the reason may lack its full stop). */
    linkProblem: (reason: string) => `${reason.replace(/\.?$/, ".")} Email-change links work once and expire after 24 hours; a newer request replaces an older link.`,
  },
} as const;

export interface PendingEmail {
  newEmail: string;
  expiresAt: Date;
}

export interface ProfileCardProps {
  user: User;
  csrfToken: string;
  pending: PendingEmail | null;
  username: FormState;
  email: FormState;
  notice?: Notice;
  /** An administrator impersonating (docs/impersonation.md): the email address is the user's to change. */
  impersonated?: boolean;
}

function ProfileRow({ label, children }: { label: string; children: JSX.Element }) {
  return (
    <div class="flex flex-col gap-1 py-3 sm:flex-row sm:items-center sm:gap-4">
      <dt class="w-40 shrink-0 text-sm text-slate-500 dark:text-slate-400" safe>
        {label}
      </dt>
      <dd class="flex min-w-0 flex-wrap items-center gap-2 text-sm font-medium">{children as "safe"}</dd>
    </div>
  );
}

/** A form that swaps the whole profile card (its answer is the card again, with the outcome). */
const swapsProfile = (action: string) => ({ method: "post", action, "hx-post": action, "hx-target": "#profile", "hx-swap": "outerHTML", "hx-disabled-elt": "find button[type=submit]", "hx-disinherit": "*" });

export function ProfileCard({ user, csrfToken, pending, username, email, notice, impersonated }: ProfileCardProps) {
  return (
    <div id="profile">
      <Card title={TEXT.profile.title} description={TEXT.profile.description}>
        {notice ? <Alert {...notice} /> : ""}
        <dl class="divide-y divide-slate-100 dark:divide-slate-800">
          <ProfileRow label={TEXT.profile.username}>
            <span class="break-all" safe>
              {user.username}
            </span>
          </ProfileRow>
          <ProfileRow label={TEXT.profile.email}>
            <>
              <span class="break-all" safe>
                {user.email}
              </span>
              {user.emailVerified ? <Badge color="green" text={TEXT.profile.verified} /> : <Badge color="amber" text={TEXT.profile.notVerified} />}
            </>
          </ProfileRow>
          {pending ? (
            <ProfileRow label={TEXT.profile.pending}>
              <span class="break-all font-normal">{TEXT.profile.pendingUntil(pending.newEmail, <Time at={pending.expiresAt} />) as "safe"}</span>
            </ProfileRow>
          ) : (
            ""
          )}
          <ProfileRow label={TEXT.profile.role}>{user.role === "admin" ? <Badge color="violet" text={TEXT.profile.admin} /> : <Badge color="gray" text={TEXT.profile.user} />}</ProfileRow>
          <ProfileRow label={TEXT.profile.memberSince}>
            <Time at={user.createdAt} as="date" />
          </ProfileRow>
        </dl>
        <div class="mt-4 grid gap-6 border-t border-slate-100 pt-4 dark:border-slate-800">
          <form id="username-form" {...swapsProfile("/account/username")} class="space-y-3">
            <CsrfField token={csrfToken} />
            <Field idPrefix="profile" name="username" label={TEXT.profile.newUsername} value={username.values.username ?? user.username} error={username.errors.username} hint={TEXT.profile.usernameHint} autocomplete="username" required minlength={3} maxlength={50} />
            <Button variant="secondary">{TEXT.profile.changeUsername}</Button>
          </form>
          {impersonated ? (
            <p class="text-sm text-slate-600 dark:text-slate-400">{TEXT.profile.emailLeftToUser}</p>
          ) : (
            <form id="email-form" {...swapsProfile("/account/email")} class="space-y-3">
              <CsrfField token={csrfToken} />
              <Field idPrefix="profile" name="new_email" type="email" label={TEXT.profile.newEmail} value={email.values.new_email ?? ""} error={email.errors.new_email} hint={TEXT.profile.newEmailHint} autocomplete="email" required maxlength={254} />
              <Button variant="secondary">{TEXT.profile.changeEmail}</Button>
            </form>
          )}
        </div>
      </Card>
    </div>
  );
}

export function YourDataCard() {
  return (
    <Card title={TEXT.yourData.title} description={TEXT.yourData.description}>
      {/* Not boosted: htmx would fetch the file into the page instead of the browser saving it. */}
      <a href="/account/export" download="" hx-boost="false" class="inline-flex items-center rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 dark:border-slate-700 dark:hover:bg-slate-800 dark:focus-visible:ring-blue-400">
        {TEXT.yourData.download}
      </a>
    </Card>
  );
}

/** Typing the username is the confirmation: it works without JavaScript and cannot be clicked through by accident. */
export function DeleteAccountCard({ user, csrfToken, error, outOfBand }: { user: User; csrfToken: string; error?: string; outOfBand?: boolean }) {
  return (
    <div id="delete-account" hx-swap-oob={outOfBand ? "true" : undefined}>
      <Card title={TEXT.delete.title} description={TEXT.delete.description} danger>
        <form method="post" action="/account/delete" class="space-y-3">
          <CsrfField token={csrfToken} />
          <Field idPrefix="delete" name="confirm_username" label={TEXT.delete.confirmLabel(user.username)} error={error} autocomplete="off" required maxlength={50} />
          <Button variant="danger">{TEXT.delete.button}</Button>
        </form>
      </Card>
    </div>
  );
}

export function ConfirmEmailPage({ token, csrfToken, newEmail, notice }: { token: string; csrfToken: string; newEmail: string; notice?: Notice }) {
  return (
    <AuthShell title={TEXT.confirmEmail.title} subtitle={TEXT.confirmEmail.lead}>
      <form method="post" action="/confirm-email" class="space-y-5">
        {notice ? <Alert {...notice} /> : ""}
        <CsrfField token={csrfToken} />
        <input type="hidden" name="token" value={attr(token)} />
        <p class="text-sm text-slate-600 dark:text-slate-400">
          {TEXT.confirmEmail.instruction(
            <strong class="break-all font-semibold" safe>
              {newEmail}
            </strong>,
          ) as "safe"}
        </p>
        <Button full>{TEXT.confirmEmail.button}</Button>
      </form>
    </AuthShell>
  );
}
