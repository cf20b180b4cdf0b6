/** The signed-in user's home: verification, profile, password, sessions, sign-out everywhere. */
import type { Session, User } from "../../db/schema";
import { Alert, attr, Badge, Button, Card, CsrfField, EmptyState, Field, type Notice } from "../components/ui";
import type { FormState } from "../forms";
import { Time } from "../components/time";
import { describeUserAgent } from "../format";
import { selfSwapping } from "./auth";
import { IdentitiesCard } from "./oauth";
import { DeleteAccountCard, ProfileCard, type ProfileCardProps, YourDataCard } from "./self-service";
import { TokensCard, type TokensCardProps } from "./tokens";

/**
 * Every word of /dashboard, its notices and its title, in one place for a translation
 * (docs/pages.md). The cards it borrows (profile, identities, tokens) keep theirs in their files.
 * A sentence with an element in it takes the element as a slot, so it is translated whole.
 */
export const TEXT = {
  title: "Dashboard",
  greeting: (username: string) => `Hello, ${username}`,
  lead: "Manage your account, password and sessions.",
  /** The notices a `?notice=key` redirect names; the dashboard's route adds the borrowed cards' own. */
  notices: {
    welcome: { tone: "success", text: "Welcome to Cobalt! Your account is ready. Check your inbox for a link to verify your email address." },
    verified: { tone: "success", text: "Thank you, your email address is verified." },
    "password-changed": { tone: "success", text: "Password changed. Your other sessions have been signed out." },
    "verification-sent": { tone: "success", text: "A new verification link is on its way. It may take a minute to arrive." },
    "session-ended": { tone: "success", text: "Session ended. That device is signed out." },
  } satisfies Record<string, Notice>,
  verification: {
    heading: "Verify your email address.",
    sentTo: (heading: JSX.Element, email: JSX.Element) => (
      <>
        {heading as "safe"} We sent a link to {email as "safe"}. It expires in 24 hours.
      </>
    ),
    resend: "Resend email",
  },
  password: {
    title: "Change password",
    description: "Use a long password you do not use anywhere else.",
    current: "Current password",
    new: "New password",
    newHint: "At least 8 characters. Your other sessions will be signed out.",
    change: "Change password",
    noneTitle: "Password",
    noneDescription: "You sign in through a linked provider and have no password yet.",
    addOne: (link: JSX.Element) => <>To add one, use {link as "safe"}: we email you a link to choose it.</>,
    forgotLink: "Forgot password",
  },
  sessions: {
    title: "Sessions",
    description: "Devices signed in to your account. End any you do not recognise.",
    none: "No active sessions",
    thisDevice: "This device",
    byAdministrator: "Opened by an administrator",
    /** "10.1.2.3 · signed in <time> · active <time>": the two times are slots. */
    whereWhen: (ip: string | null, signedIn: JSX.Element, active: JSX.Element) => (
      <>
        <span safe>{`${ip ?? "Unknown IP"} · signed in `}</span>
        {signedIn as "safe"}
        {" · active "}
        {active as "safe"}
      </>
    ),
    end: "End this session",
    /** Read after "End this session" by screen readers, which list every button of the card alike. */
    endWhich: (device: string, ip: string | null) => ` (${device}, ${ip ?? "unknown IP"})`,
    signOutOthers: (others: number) => (others === 1 ? "Sign out the other session" : `Sign out ${others} other sessions`),
  },
  everywhere: {
    title: "Sign out everywhere",
    description: "Ends every session of your account, including this one.",
    confirm: "Sign out on every device, including this one?",
    button: "Sign out everywhere",
  },
  /** In place of what an impersonating administrator may not do (docs/impersonation.md). */
  heldBack: {
    title: "Left to the user",
    description: "You are impersonating this account: an administrator may look and help, not take it over.",
    password: "Changing the password is something only the user can do, signed in as themselves.",
    dangerZone: "Downloading the account's data, signing out its sessions and deleting it are things only the user can do, signed in as themselves.",
  },
} as const;

export function VerificationBanner({ user, csrfToken, notice, resendIn }: { user: User; csrfToken: string; notice?: Notice; resendIn?: number }) {
  if (user.emailVerified) return <div id="verification-banner"></div>;
  return (
    <div id="verification-banner" class="space-y-3">
      {notice ? <Alert {...notice} /> : ""}
      <div class="flex flex-col gap-3 rounded-xl border border-amber-200 bg-amber-50 px-4 py-3 sm:flex-row sm:items-center dark:border-amber-900/60 dark:bg-amber-950/40">
        <p class="flex-1 text-sm text-amber-900 dark:text-amber-200">
          {TEXT.verification.sentTo(
            <strong class="font-semibold">{TEXT.verification.heading}</strong>,
            <span class="font-medium" safe>
              {user.email}
            </span>,
          ) as "safe"}
        </p>
        <form method="post" action="/account/verification" hx-post="/account/verification" hx-target="#verification-banner" hx-swap="outerHTML" hx-disabled-elt="find button">
          <CsrfField token={csrfToken} />
          <Button variant="secondary" countdown={resendIn}>
            {TEXT.verification.resend}
          </Button>
        </form>
      </div>
    </div>
  );
}

/** Tells password managers which account the new password belongs to; swapped out of band when the name changes. */
export function AccountNameForPasswordManagers({ username, outOfBand }: { username: string; outOfBand?: boolean }) {
  return <input type="text" id="password-account-name" name="username" value={attr(username)} autocomplete="username" hidden readonly hx-swap-oob={outOfBand ? "true" : undefined} />;
}

/** The page's heading; swapped out of band when the name changes. */
export function Greeting({ username, outOfBand }: { username: string; outOfBand?: boolean }) {
  return (
    <h1 id="greeting" class="text-2xl font-bold tracking-tight" hx-swap-oob={outOfBand ? "true" : undefined} safe>
      {TEXT.greeting(username)}
    </h1>
  );
}

export function ChangePasswordForm({ state, csrfToken, username }: { state: FormState; csrfToken: string; username: string }) {
  return (
    <form id="password-form" {...selfSwapping("/account/password")} class="space-y-4">
      {state.notice ? <Alert {...state.notice} /> : ""}
      <CsrfField token={csrfToken} />
      {/* Lets password managers file the new password under the right account. */}
      <AccountNameForPasswordManagers username={username} />
      <Field idPrefix="pw" name="current_password" type="password" label={TEXT.password.current} error={state.errors.current_password} autocomplete="current-password" required reveal />
      <Field idPrefix="pw" name="new_password" type="password" label={TEXT.password.new} error={state.errors.new_password} hint={TEXT.password.newHint} autocomplete="new-password" required minlength={8} maxlength={128} reveal />
      <Button>{TEXT.password.change}</Button>
    </form>
  );
}

/** "10.1.2.3 · signed in Dec 1, 2026, 3:04 PM UTC · active 2 minutes ago" (also on an admin's view of a user). */
export function SessionWhereWhen({ session, now }: { session: Session; now: number }) {
  return (
    <>{TEXT.sessions.whereWhen(session.ip, <Time at={session.createdAt} />, <Time at={session.lastUsedAt} as="relative" now={now} />) as "safe"}</>
  );
}

function SessionRow({ session, current, csrfToken, now, readOnly }: { session: Session; current: boolean; csrfToken: string; now: number; readOnly?: boolean }) {
  return (
    <li class="flex flex-col gap-3 py-4 sm:flex-row sm:items-center">
      <div class="min-w-0 flex-1">
        <p class="flex flex-wrap items-center gap-2 text-sm font-medium">
          <span safe>{describeUserAgent(session.userAgent)}</span>
          {current ? <Badge color="blue" text={TEXT.sessions.thisDevice} /> : ""}
          {session.impersonatorId ? <Badge color="amber" text={TEXT.sessions.byAdministrator} /> : ""}
        </p>
        <p class="mt-0.5 text-xs text-slate-500 dark:text-slate-400">
          <SessionWhereWhen session={session} now={now} />
        </p>
      </div>
      {current || readOnly ? (
        ""
      ) : (
        <form
          method="post"
          action={attr(`/account/sessions/${session.id}/end`)}
          hx-post={attr(`/account/sessions/${session.id}/end`)}
          hx-target="#sessions"
          hx-swap="outerHTML"
          hx-disabled-elt="find button"
        >
          <CsrfField token={csrfToken} />
          <Button variant="secondary">
            {TEXT.sessions.end}
            <span class="sr-only" safe>
              {TEXT.sessions.endWhich(describeUserAgent(session.userAgent), session.ip)}
            </span>
          </Button>
        </form>
      )}
    </li>
  );
}

/**
 * `outOfBand`: sent beside another fragment (after a password change ended the other sessions) to
 * replace the card in place. `readOnly`: listed without the buttons that end sessions (an
 * administrator impersonating may not sign the user out).
 */
export function SessionsCard({ sessions, currentId, csrfToken, now, notice, outOfBand, readOnly }: { sessions: Session[]; currentId: string; csrfToken: string; now: number; notice?: Notice; outOfBand?: boolean; readOnly?: boolean }) {
  // This device first (as GitHub lists them), then the others by last use, as the service sorts them.
  const ordered = [...sessions.filter((session) => session.id === currentId), ...sessions.filter((session) => session.id !== currentId)];
  const others = ordered.length - (ordered[0]?.id === currentId ? 1 : 0);
  return (
    <div id="sessions" hx-swap-oob={outOfBand ? "true" : undefined}>
      <Card title={TEXT.sessions.title} description={TEXT.sessions.description}>
        {notice ? <Alert {...notice} /> : ""}
        {sessions.length === 0 ? (
          <EmptyState title={TEXT.sessions.none} />
        ) : (
          <ul class="divide-y divide-slate-100 dark:divide-slate-800">
            {ordered.map((session) => (
              <SessionRow session={session} current={session.id === currentId} csrfToken={csrfToken} now={now} readOnly={readOnly} />
            ))}
          </ul>
        )}
        {others > 0 && !readOnly ? (
          <form method="post" action="/account/sessions/end-others" hx-post="/account/sessions/end-others" hx-target="#sessions" hx-swap="outerHTML" hx-disabled-elt="find button" class="mt-4 border-t border-slate-100 pt-4 dark:border-slate-800">
            <CsrfField token={csrfToken} />
            <Button variant="secondary">
              <span safe>{TEXT.sessions.signOutOthers(others)}</span>
            </Button>
          </form>
        ) : (
          ""
        )}
      </Card>
    </div>
  );
}

export function SignOutEverywhere({ csrfToken }: { csrfToken: string }) {
  return (
    <Card title={TEXT.everywhere.title} description={TEXT.everywhere.description} danger>
      <form method="post" action="/logout-all" hx-confirm={TEXT.everywhere.confirm}>
        <CsrfField token={csrfToken} />
        <Button variant="danger">{TEXT.everywhere.button}</Button>
      </form>
    </Card>
  );
}

export interface DashboardProps {
  user: User;
  sessions: Session[];
  currentSessionId: string;
  csrfToken: string;
  now: number;
  password: FormState;
  notice?: Notice;
  identities: Parameters<typeof IdentitiesCard>[0];
  tokens: TokensCardProps;
  profile: Pick<ProfileCardProps, "pending" | "username" | "email">;
  deleteError?: string;
  /** An administrator's session as this user (docs/impersonation.md): what it may not do is not offered. */
  impersonated: boolean;
}

/** In place of the cards an impersonated session may not use: what is held back, and why. */
function HeldBackForTheUser({ text }: { text: string }) {
  return (
    <Card title={TEXT.heldBack.title} description={TEXT.heldBack.description}>
      <p class="text-sm text-slate-600 dark:text-slate-400" safe>
        {text}
      </p>
    </Card>
  );
}

export function DashboardPage(props: DashboardProps) {
  const { user, csrfToken } = props;
  return (
    <div class="space-y-6">
      <div class="flex flex-wrap items-end justify-between gap-2">
        <div>
          <Greeting username={user.username} />
          <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{TEXT.lead}</p>
        </div>
      </div>
      {props.notice ? <Alert {...props.notice} /> : ""}
      <VerificationBanner user={user} csrfToken={csrfToken} />
      <div class="grid gap-6 lg:grid-cols-2">
        <ProfileCard user={user} csrfToken={csrfToken} {...props.profile} impersonated={props.impersonated} />
        {props.impersonated ? (
          <HeldBackForTheUser text={TEXT.heldBack.password} />
        ) : user.passwordHash ? (
          <Card title={TEXT.password.title} description={TEXT.password.description}>
            <ChangePasswordForm state={props.password} csrfToken={csrfToken} username={user.username} />
          </Card>
        ) : (
          <Card title={TEXT.password.noneTitle} description={TEXT.password.noneDescription}>
            <p class="text-sm text-slate-600 dark:text-slate-400">
              {TEXT.password.addOne(
                <a href="/forgot-password" class="font-semibold text-blue-600 hover:underline dark:text-blue-400">
                  {TEXT.password.forgotLink}
                </a>,
              ) as "safe"}
            </p>
          </Card>
        )}
      </div>
      <SessionsCard sessions={props.sessions} currentId={props.currentSessionId} csrfToken={csrfToken} now={props.now} readOnly={props.impersonated} />
      <IdentitiesCard {...props.identities} />
      <TokensCard {...props.tokens} />
      {props.impersonated ? (
        <HeldBackForTheUser text={TEXT.heldBack.dangerZone} />
      ) : (
        <>
          <YourDataCard />
          <SignOutEverywhere csrfToken={csrfToken} />
          <DeleteAccountCard user={user} csrfToken={csrfToken} error={props.deleteError} />
        </>
      )}
    </div>
  );
}
