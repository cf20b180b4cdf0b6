/**
 * One user, for an admin: details, role, access, second factors, sessions, recent audit events, deletion.
 * Destructive actions are confirmed: with htmx by hx-confirm before the POST; without
 * JavaScript the same button is a GET to a confirmation page holding the real POST form.
 */
import { ImpersonateCard } from "./impersonation";
import Html from "@kitajs/html";
import type { AuditEvent, PersonalAccessToken, Session, User } from "../../db/schema";
import { Alert, attr, Badge, Button, buttonClass, Card, CsrfField, EmptyState, type Notice } from "../components/ui";
import { AdminIdentities, type IdentityRow } from "./oauth";
import { UserTokensCard } from "./tokens";
import { describeUserAgent } from "../format";
import { Time } from "../components/time";
import { SessionWhereWhen } from "./dashboard";
import { AuditList } from "./admin-audit";
import { ManageCard } from "./admin-manage";
import type { AuditNames } from "../../modules/admin/names";
import { RoleBadge, StatusBadge, VerifiedBadge } from "./admin-shell";
import type { AdminMfaView } from "../../modules/mfa/admin";

export type ConfirmAction = "disable" | "delete" | "revoke" | "reset-mfa";

/**
 * Every word of a user's admin page and of its no-JavaScript confirmation, with the notices a
 * `?notice=key` redirect to the user's page names (docs/pages.md). The confirm questions htmx
 * asks and the confirmation page's copy say the same thing, so they sit side by side.
 */
export const TEXT = {
  notices: {
    disabled: { tone: "success", text: "Account disabled. Every session of the user has ended." },
    enabled: { tone: "success", text: "Account enabled. The user can sign in again." },
    "role-changed": { tone: "success", text: "Role updated." },
    "session-ended": { tone: "success", text: "Session ended." },
    "token-revoked": { tone: "success", text: "Token revoked. Anything using it is refused from now on." },
    "mfa-reset": { tone: "success", text: "Two-step verification reset. The user has been signed out everywhere." },
    invited: { tone: "success", text: "User created. An invitation to choose a password is on its way to their address." },
    updated: { tone: "success", text: "Details saved." },
    "reset-sent": { tone: "success", text: "A password reset link is on its way to the user's address." },
    unlocked: { tone: "success", text: "Sign-in unlocked: failed passwords from every device stop counting." },
    "signed-out": { tone: "success", text: "Signed out everywhere. Every session of the user has ended." },
  } satisfies Record<string, Notice>,
  you: "You",
  account: {
    title: "Account",
    userId: "User id",
    joined: "Joined",
    lastSignIn: "Last sign-in",
    // Follows the time of the last sign-in.
    fromIp: (ip: string) => ` from ${ip}`,
    never: "Never",
    updated: "Updated",
    activeSessions: "Active sessions",
    disabled: "Disabled",
    notDisabled: "No",
  },
  role: {
    title: "Role",
    adminDescription: "Admins can manage every user.",
    userDescription: "A regular account.",
    notYourOwn: "You cannot change your own role.",
    makeAdmin: "Make admin",
    makeAdminQuestion: (username: string) => `Make ${username} an admin?`,
    removeAdmin: "Remove admin rights",
    removeAdminQuestion: (username: string) => `Remove admin rights from ${username}?`,
  },
  access: {
    title: "Access",
    disabledDescription: "This account is disabled: it cannot sign in.",
    enabledDescription: "Disabling signs the user out everywhere at once.",
    notYourOwn: "You cannot disable your own account.",
    enable: "Enable account",
    disable: "Disable account",
    disableQuestion: (username: string) => `Disable ${username}? They will be signed out everywhere.`,
  },
  mfa: {
    title: "Two-step verification",
    anyDescription: "Factors this user signs in with.",
    noneDescription: "This user signs in with a password or a provider alone.",
    app: (state: JSX.Element) => <>Authenticator app: {state}</>,
    on: "On",
    off: "Off",
    passkeys: (count: number) => `Passkeys: ${count}`,
    recoveryCodes: (count: number) => `Recovery codes left: ${count}`,
    reset: "Reset factors",
    resetQuestion: (username: string) => `Reset ${username}'s two-step verification? They will be signed out everywhere.`,
  },
  sessions: {
    title: "Sessions",
    description: "Devices signed in to this account.",
    none: "No active sessions",
    end: "End session",
    endQuestion: "End this session? That device will be signed out.",
  },
  activity: { title: "Recent activity", seeAll: "See all activity" },
  delete: {
    title: "Delete user",
    description: "Deletes the account, its sessions and tokens. The audit history stays.",
    button: "Delete user",
    question: (username: string) => `Delete ${username} permanently? This cannot be undone.`,
  },
  /** The no-JavaScript confirmation page. */
  confirm: {
    title: "Please confirm",
    user: (username: JSX.Element) => <>User: {username}</>,
    cancel: "Cancel",
    actions: {
      disable: { title: "Disable this account?", text: "The user is signed out everywhere at once and cannot sign in until the account is enabled again.", button: "Disable account" },
      delete: { title: "Delete this user?", text: "The account, its sessions and its tokens are deleted permanently. The audit history stays. This cannot be undone.", button: "Delete user" },
      revoke: { title: "End this session?", text: "The device using this session is signed out at once.", button: "End session" },
      "reset-mfa": { title: "Reset two-step verification?", text: "The authenticator app, passkeys and recovery codes are removed and the user is signed out everywhere. They sign in with the password alone next time.", button: "Reset factors" },
    } satisfies Record<ConfirmAction, { title: string; text: string; button: string }>,
  },
} as const;

export interface UserDetailProps {
  user: User;
  sessions: Session[];
  events: AuditEvent[];
  names: AuditNames;
  isSelf: boolean;
  csrfToken: string;
  now: number;
  notice?: Notice;
  identities: IdentityRow[];
  tokens: PersonalAccessToken[];
  mfa: AdminMfaView;
}

const DETAIL = "#user-detail";
const userPath = (user: User, rest = "") => `/admin/users/${user.id}${rest}`;

/** A POST that htmx confirms first; without JS, a GET to the confirmation page. */
function ConfirmedButton({ user, action, label, question, session }: { user: User; action: ConfirmAction; label: string; question: string; session?: string }) {
  const post = action === "revoke" ? userPath(user, `/sessions/${session}/revoke`) : userPath(user, `/${action}`);
  return (
    <form method="get" action={attr(userPath(user, "/confirm"))} hx-post={attr(post)} hx-confirm={attr(question)} hx-target={DETAIL} hx-swap="outerHTML">
      <input type="hidden" name="action" value={action} />
      {session ? <input type="hidden" name="session" value={attr(session)} /> : ""}
      <Button variant={action === "revoke" ? "secondary" : "danger"}>{Html.escapeHtml(label)}</Button>
    </form>
  );
}

function Detail({ label, children }: { label: string; children: JSX.Element }) {
  return (
    <div>
      <dt class="text-xs text-slate-500 dark:text-slate-400" safe>
        {label}
      </dt>
      <dd class="mt-0.5 text-sm font-medium break-all">{children as "safe"}</dd>
    </div>
  );
}

function AccountCard({ user, sessions, now }: Pick<UserDetailProps, "user" | "sessions" | "now">) {
  return (
    <Card title={TEXT.account.title}>
      <dl class="grid gap-4 sm:grid-cols-2">
        <Detail label={TEXT.account.userId}>
          <code class="text-xs" safe>
            {user.id}
          </code>
        </Detail>
        <Detail label={TEXT.account.joined}>
          <Time at={user.createdAt} />
        </Detail>
        <Detail label={TEXT.account.lastSignIn}>
          {user.lastLoginAt ? (
            <>
              <Time at={user.lastLoginAt} as="relative" now={now} />
              {user.lastLoginIp ? <span safe>{TEXT.account.fromIp(user.lastLoginIp)}</span> : ""}
            </>
          ) : (
            TEXT.account.never
          )}
        </Detail>
        <Detail label={TEXT.account.updated}>
          <Time at={user.updatedAt} />
        </Detail>
        <Detail label={TEXT.account.activeSessions}>
          <span safe>{String(sessions.length)}</span>
        </Detail>
        <Detail label={TEXT.account.disabled}>
          {user.disabledAt ? <Time at={user.disabledAt} /> : TEXT.account.notDisabled}
        </Detail>
      </dl>
    </Card>
  );
}

function RoleCard({ user, isSelf, csrfToken }: Pick<UserDetailProps, "user" | "isSelf" | "csrfToken">) {
  const other = user.role === "admin" ? "user" : "admin";
  return (
    <Card title={TEXT.role.title} description={user.role === "admin" ? TEXT.role.adminDescription : TEXT.role.userDescription}>
      {isSelf ? (
        <p class="text-sm text-slate-500 dark:text-slate-400">{TEXT.role.notYourOwn}</p>
      ) : (
        <form method="post" action={attr(userPath(user, "/role"))} hx-post={attr(userPath(user, "/role"))} hx-target={DETAIL} hx-swap="outerHTML" hx-confirm={attr(other === "admin" ? TEXT.role.makeAdminQuestion(user.username) : TEXT.role.removeAdminQuestion(user.username))}>
          <CsrfField token={csrfToken} />
          <input type="hidden" name="role" value={other} />
          <Button variant="secondary">{other === "admin" ? TEXT.role.makeAdmin : TEXT.role.removeAdmin}</Button>
        </form>
      )}
    </Card>
  );
}

function AccessCard({ user, isSelf, csrfToken }: Pick<UserDetailProps, "user" | "isSelf" | "csrfToken">) {
  return (
    <Card title={TEXT.access.title} description={user.disabledAt ? TEXT.access.disabledDescription : TEXT.access.enabledDescription}>
      {isSelf ? (
        <p class="text-sm text-slate-500 dark:text-slate-400">{TEXT.access.notYourOwn}</p>
      ) : user.disabledAt ? (
        <form method="post" action={attr(userPath(user, "/enable"))} hx-post={attr(userPath(user, "/enable"))} hx-target={DETAIL} hx-swap="outerHTML">
          <CsrfField token={csrfToken} />
          <Button variant="primary">{TEXT.access.enable}</Button>
        </form>
      ) : (
        <ConfirmedButton user={user} action="disable" label={TEXT.access.disable} question={TEXT.access.disableQuestion(user.username)} />
      )}
    </Card>
  );
}

/** Which factors the user has, and the reset for a locked-out user. */
function MfaCard({ user, mfa, isSelf }: { user: User; mfa: AdminMfaView; isSelf: boolean }) {
  const any = mfa.totp || mfa.passkeys > 0;
  return (
    <Card id="user-mfa" title={TEXT.mfa.title} description={any ? TEXT.mfa.anyDescription : TEXT.mfa.noneDescription}>
      <ul class="space-y-1 text-sm">
        <li>{TEXT.mfa.app(mfa.totp ? <Badge color="green" text={TEXT.mfa.on} /> : <Badge color="gray" text={TEXT.mfa.off} />) as "safe"}</li>
        <li safe>{TEXT.mfa.passkeys(mfa.passkeys)}</li>
        <li safe>{TEXT.mfa.recoveryCodes(mfa.recoveryCodesRemaining)}</li>
      </ul>
      {any && !isSelf ? (
        <div class="mt-4">
          <ConfirmedButton user={user} action="reset-mfa" label={TEXT.mfa.reset} question={TEXT.mfa.resetQuestion(user.username)} />
        </div>
      ) : (
        ""
      )}
    </Card>
  );
}

function SessionsList({ user, sessions, now }: Pick<UserDetailProps, "user" | "sessions" | "now">) {
  if (sessions.length === 0) return <EmptyState title={TEXT.sessions.none} />;
  return (
    <ul class="divide-y divide-slate-100 dark:divide-slate-800">
      {sessions.map((session) => (
        <li class="flex flex-col gap-2 py-3 sm:flex-row sm:items-center">
          <div class="min-w-0 flex-1">
            <p class="text-sm font-medium" safe>
              {describeUserAgent(session.userAgent)}
            </p>
            <p class="text-xs text-slate-500 dark:text-slate-400">
              <SessionWhereWhen session={session} now={now} />
            </p>
          </div>
          <ConfirmedButton user={user} action="revoke" session={session.id} label={TEXT.sessions.end} question={TEXT.sessions.endQuestion} />
        </li>
      ))}
    </ul>
  );
}

export function UserDetail(props: UserDetailProps) {
  const { user } = props;
  return (
    <div id="user-detail" class="space-y-6">
      <div class="flex flex-wrap items-start justify-between gap-4">
        <div class="min-w-0">
          <h1 class="text-2xl font-bold tracking-tight break-all" safe>
            {user.username}
          </h1>
          <p class="mt-1 text-sm text-slate-600 break-all dark:text-slate-400" safe>
            {user.email}
          </p>
          <div class="mt-2 flex flex-wrap gap-1.5">
            <RoleBadge user={user} />
            <StatusBadge user={user} />
            <VerifiedBadge user={user} />
            {props.isSelf ? <Badge color="blue" text={TEXT.you} /> : ""}
          </div>
        </div>
      </div>
      {props.notice ? <Alert {...props.notice} /> : ""}
      <div class="grid gap-6 lg:grid-cols-3">
        <div class="lg:col-span-2">
          <AccountCard {...props} />
        </div>
        <div class="space-y-6">
          <RoleCard {...props} />
          <AccessCard {...props} />
          <MfaCard user={user} mfa={props.mfa} isSelf={props.isSelf} />
          <ImpersonateCard user={user} csrfToken={props.csrfToken} />
        </div>
      </div>
      <ManageCard user={user} isSelf={props.isSelf} csrfToken={props.csrfToken} />
      <Card title={TEXT.sessions.title} description={TEXT.sessions.description}>
        <SessionsList {...props} />
      </Card>
      <AdminIdentities rows={props.identities} />
      <UserTokensCard userId={user.id} tokens={props.tokens} csrfToken={props.csrfToken} now={props.now} />
      <Card title={TEXT.activity.title}>
        <AuditList events={props.events} names={props.names} now={props.now} />
        <a href={attr(`/admin/audit?user=${encodeURIComponent(user.username)}`)} class="mt-4 inline-block text-sm font-semibold text-blue-600 hover:underline dark:text-blue-400">
          {TEXT.activity.seeAll}
        </a>
      </Card>
      {props.isSelf ? (
        ""
      ) : (
        <Card title={TEXT.delete.title} description={TEXT.delete.description} danger>
          <ConfirmedButton user={user} action="delete" label={TEXT.delete.button} question={TEXT.delete.question(user.username)} />
        </Card>
      )}
    </div>
  );
}

/** The no-JavaScript confirmation step: the real POST, or back to the user. */
export function ConfirmPage({ user, action, session, csrfToken }: { user: User; action: ConfirmAction; session?: string; csrfToken: string }) {
  const copy = TEXT.confirm.actions[action];
  const post = action === "revoke" ? userPath(user, `/sessions/${encodeURIComponent(session ?? "")}/revoke`) : userPath(user, `/${action}`);
  return (
    <Card title={copy.title} danger>
      <p class="text-sm text-slate-600 dark:text-slate-300">
        <span safe>{copy.text}</span> {TEXT.confirm.user(<strong safe>{user.username}</strong>) as "safe"}
      </p>
      <form method="post" action={attr(post)} class="mt-6 flex flex-wrap gap-3">
        <CsrfField token={csrfToken} />
        <Button variant="danger">{Html.escapeHtml(copy.button)}</Button>
        <a href={attr(userPath(user))} class={buttonClass("secondary")}>
          {TEXT.confirm.cancel}
        </a>
      </form>
    </Card>
  );
}
