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

/** Fixed messages chosen by a query key (after a plain-form redirect); nothing from the URL is shown. */
export const SELF_SERVICE_NOTICES = {
  "username-changed": { tone: "success", text: "Username changed." },
  "email-change-sent": { tone: "success", text: "We sent a link to your new address. Your email changes when you open it; until then, keep using the current one." },
  "email-changed": { tone: "success", text: "Your email address has been changed." },
  // The link was opened in a browser signed in as another account (a shared computer, an admin's).
  "other-email-changed": { tone: "success", text: "The new email address is confirmed for the account that asked for it. The account signed in here is unchanged." },
  "other-sessions-ended": { tone: "success", text: "Your other sessions have been signed out. This device stays signed in." },
} satisfies Record<string, Notice>;

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
      <Card title="Profile" description="Your account details.">
        {notice ? <Alert {...notice} /> : ""}
        <dl class="divide-y divide-slate-100 dark:divide-slate-800">
          <ProfileRow label="Username">
            <span class="break-all" safe>
              {user.username}
            </span>
          </ProfileRow>
          <ProfileRow label="Email">
            <>
              <span class="break-all" safe>
                {user.email}
              </span>
              {user.emailVerified ? <Badge color="green" text="Verified" /> : <Badge color="amber" text="Not verified" />}
            </>
          </ProfileRow>
          {pending ? (
            <ProfileRow label="Waiting for confirmation">
              <span class="break-all font-normal">
                <span safe>{`A link was sent to ${pending.newEmail}; it works until `}</span>
                <Time at={pending.expiresAt} />.
              </span>
            </ProfileRow>
          ) : (
            ""
          )}
          <ProfileRow label="Role">{user.role === "admin" ? <Badge color="violet" text="Admin" /> : <Badge color="gray" text="User" />}</ProfileRow>
          <ProfileRow label="Member since">
            <Time at={user.createdAt} as="date" />
          </ProfileRow>
        </dl>
        <div class="mt-4 grid gap-6 border-t border-slate-100 pt-4 dark:border-slate-800">
          <form id="username-form" {...swapsProfile("/account/username")} class="space-y-3">
            <CsrfField token={csrfToken} />
            <Field idPrefix="profile" name="username" label="New username" value={username.values.username ?? user.username} error={username.errors.username} hint="3 to 50 letters, digits, _ . or -" autocomplete="username" required minlength={3} maxlength={50} />
            <Button variant="secondary">Change username</Button>
          </form>
          {impersonated ? (
            <p class="text-sm text-slate-600 dark:text-slate-400">Changing the email address is something only the user can do, signed in as themselves.</p>
          ) : (
            <form id="email-form" {...swapsProfile("/account/email")} class="space-y-3">
              <CsrfField token={csrfToken} />
              <Field idPrefix="profile" name="new_email" type="email" label="New email address" value={email.values.new_email ?? ""} error={email.errors.new_email} hint="We send a link to the new address. Your address changes when you open it." autocomplete="email" required maxlength={254} />
              <Button variant="secondary">Change email</Button>
            </form>
          )}
        </div>
      </Card>
    </div>
  );
}

export function YourDataCard() {
  return (
    <Card title="Your data" description="Everything Cobalt stores about you: profile, sessions, linked accounts, tokens' details and your account's history.">
      {/* Not boosted: htmx would fetch the file into the page instead of the browser saving it. */}
      <a href="/account/export" download="" hx-boost="false" class="inline-flex items-center rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 dark:border-slate-700 dark:hover:bg-slate-800 dark:focus-visible:ring-blue-400">
        Download my data (JSON)
      </a>
    </Card>
  );
}

/** Typing the username is the confirmation: it works without JavaScript and cannot be clicked through by accident. */
export function DeleteAccountCard({ user, csrfToken, error, outOfBand }: { user: User; csrfToken: string; error?: string; outOfBand?: boolean }) {
  return (
    <div id="delete-account" hx-swap-oob={outOfBand ? "true" : undefined}>
      <Card title="Delete account" description="Deletes your account, its sessions, linked accounts, tokens and second factors. This cannot be undone." danger>
        <form method="post" action="/account/delete" class="space-y-3">
          <CsrfField token={csrfToken} />
          <Field idPrefix="delete" name="confirm_username" label={`To confirm, type your username: ${user.username}`} error={error} autocomplete="off" required maxlength={50} />
          <Button variant="danger">Delete my account</Button>
        </form>
      </Card>
    </div>
  );
}

export function ConfirmEmailPage({ token, csrfToken, newEmail, notice }: { token: string; csrfToken: string; newEmail: string; notice?: Notice }) {
  return (
    <AuthShell title="Confirm your new email address" subtitle="Make this the address of your account.">
      <form method="post" action="/confirm-email" class="space-y-5">
        {notice ? <Alert {...notice} /> : ""}
        <CsrfField token={csrfToken} />
        <input type="hidden" name="token" value={attr(token)} />
        <p class="text-sm text-slate-600 dark:text-slate-400">
          Press the button to use <strong class="break-all font-semibold" safe>{newEmail}</strong> as your account's email address from now on.
        </p>
        <Button full>Confirm new email address</Button>
      </form>
    </AuthShell>
  );
}
