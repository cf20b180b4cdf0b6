/** Impersonation on the pages (docs/impersonation.md): the admin's start form and the banner every impersonated page shows. */
import type { User } from "../../db/schema";
import { attr, Button, Card, CsrfField, Field, type Notice } from "../components/ui";
import { Time } from "../components/time";

export interface ImpersonationBannerProps {
  username: string;
  adminName: string;
  reason: string;
  endsAt: Date;
  csrfToken: string;
}

/**
 * Every phrase of the banner and the card, and what the start route says on the user's page, in
 * one place for a translation. A sentence with a time in it takes the <Time> as a slot, so it is
 * translated whole, not in pieces.
 */
export const TEXT = {
  region: "Impersonation",
  banner: (who: { username: string; adminName: string; reason: string }, ends: JSX.Element) => (
    <>
      <span safe>{`You are signed in as ${who.username}, impersonated by ${who.adminName} (reason: ${who.reason}).`}</span> Passwords, factors, email and tokens cannot be changed. Ends{" "}
      {ends as "safe"} at the latest.
    </>
  ),
  stop: "Stop impersonating",
  cardTitle: "Impersonate",
  cardDescription: "See Cobalt as this user sees it, for 30 minutes at most. They cannot be changed from there: password, factors, email and tokens stay theirs. Start and stop go into the audit log.",
  reason: "Reason",
  reasonHint: "For example the ticket you are working on.",
  start: (username: string) => `Impersonate ${username}`,
  /** The start form refused the reason: on the user's page again, with the field's message (which has no full stop of its own). */
  notStarted: (why: string): Notice => ({ tone: "error", text: `Nothing was started. ${why}.` }),
} as const;

/** On every page of an impersonated session: whose account this is, who is looking, and "stop". */
export function ImpersonationBanner({ username, adminName, reason, endsAt, csrfToken }: ImpersonationBannerProps) {
  return (
    <div role="region" aria-label={TEXT.region} class="border-b border-violet-300 bg-violet-100 text-violet-950 dark:border-violet-800 dark:bg-violet-950 dark:text-violet-100">
      <div class="mx-auto flex max-w-6xl flex-col gap-2 px-4 py-2 text-sm sm:flex-row sm:items-center sm:px-6">
        <p class="min-w-0 flex-1">{TEXT.banner({ username, adminName, reason }, <Time at={endsAt} />) as "safe"}</p>
        <form method="post" action="/impersonation/stop" hx-boost="false">
          <CsrfField token={csrfToken} />
          <Button variant="secondary">{TEXT.stop}</Button>
        </form>
      </div>
    </div>
  );
}

/** On an admin's view of a user: open a session as them, with the reason the audit log keeps. */
export function ImpersonateCard({ user, csrfToken }: { user: User; csrfToken: string }) {
  if (user.role === "admin" || user.disabledAt) return "";
  const action = `/admin/users/${user.id}/impersonate`;
  return (
    <Card title={TEXT.cardTitle} description={TEXT.cardDescription}>
      <form method="post" action={attr(action)} hx-boost="false" class="space-y-4">
        <CsrfField token={csrfToken} />
        <Field idPrefix="imp" name="reason" label={TEXT.reason} hint={TEXT.reasonHint} required minlength={3} maxlength={500} />
        <Button variant="secondary">
          <span safe>{TEXT.start(user.username)}</span>
        </Button>
      </form>
    </Card>
  );
}
