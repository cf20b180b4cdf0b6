/**
 * An audit event as a sentence ("ada disabled bob — 2 minutes ago, from 10.1.2.3"), the people
 * in it named even after their accounts are deleted, and its details as readable pairs. The
 * phrases live here, in TEXT and PHRASES, so a translation can replace them later.
 */
import type { AuditEvent } from "../../db/schema";
import type { AuditNames } from "../../modules/admin/names";
import type { AuditAction } from "../../modules/audit/service";
import { attr } from "../components/ui";
import { Time } from "../components/time";

/** A sentence is text and people; a person is an account id (or null: nobody signed in). */
type Part = string | { person: string | null };

/**
 * The words around the sentences: how a person is named, the helpers' phrases and the "from"
 * after the time. The sentences themselves are PHRASES below, one per action.
 */
const TEXT = {
  someone: "Someone",
  deletedAccount: "a deleted account",
  deletedMark: "(deleted)",
  deletedTitle: (id: string) => `Deleted account ${id}`,
  from: (ip: string) => `, from ${ip}`,
  /** Whose thing it was: their own, or another account's (the person is a slot). */
  own: (noun: string): Part[] => [` their ${noun}`],
  others: (person: Part, noun: string): Part[] => [" ", person, `'s ${noun}`],
  /** Looked up by the stored detail, which may be any string. */
  methods: { totp: "an authenticator app", passkey: "a passkey", recovery_code: "a recovery code", password: "their password" } as Record<string, string | undefined>,
  anyMethod: "a second factor",
  whileSigningIn: " while signing in",
} as const;

const actor = (event: AuditEvent): Part => ({ person: event.actorId });
const target = (event: AuditEvent): Part => ({ person: event.targetId });
const detail = (event: AuditEvent, key: string) => {
  const value = event.details[key];
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
};
/** "their" when someone acts on their own account, else the other account. */
const whose = (event: AuditEvent, noun: string): Part[] => (event.actorId === event.targetId ? TEXT.own(noun) : TEXT.others(target(event), noun));
const byAdmin = (event: AuditEvent) => event.actorId !== null && event.actorId !== event.targetId;
const method = (event: AuditEvent) => TEXT.methods[detail(event, "method")] ?? TEXT.anyMethod;
const during = (event: AuditEvent) => (detail(event, "during") === "sign_in" ? TEXT.whileSigningIn : "");

/** One sentence per action: typed by the list of actions, so a new action cannot ship without one. */
const PHRASES: Record<AuditAction, (event: AuditEvent) => Part[]> = {
  register: (e) => [actor(e), " signed up"],
  login: (e) => [actor(e), " signed in"],
  login_failed: (e) => ["A sign-in as ", target(e), " failed", detail(e, "reason") === "account_disabled" ? " (the account is disabled)" : ""],
  logout: (e) => [actor(e), " signed out"],
  logout_all: (e) => [actor(e), " signed out everywhere"],
  session_revoked: (e) => [actor(e), " ended one of their sessions"],
  refresh_token_reuse: (e) => ["A reused refresh token ended a session of ", target(e)],
  password_changed: (e) => [actor(e), " changed their password"],
  password_change_failed: (e) => [actor(e), " entered a wrong current password"],
  account_locked: (e) => ["Sign-ins to ", target(e), " were paused after failed passwords"],
  account_unlocked: (e) => [actor(e), " unlocked ", target(e)],
  password_reset_requested: (e) => (byAdmin(e) ? [actor(e), " sent ", target(e), " a password reset link"] : ["A password reset link was sent to ", target(e)]),
  password_reset: (e) => [target(e), " reset their password"],
  email_verification_sent: (e) => [actor(e), " asked for a new verification email"],
  email_verified: (e) => [target(e), " verified their email address"],
  admin_user_disabled: (e) => [actor(e), " disabled ", target(e)],
  admin_user_enabled: (e) => [actor(e), " enabled ", target(e)],
  admin_role_changed: (e) => (detail(e, "to") === "admin" ? [actor(e), " made ", target(e), " an admin"] : [actor(e), " removed admin rights from ", target(e)]),
  admin_user_deleted: (e) => [actor(e), " deleted ", target(e)],
  admin_session_revoked: (e) => [actor(e), " ended a session of ", target(e)],
  admin_created: (e) => [target(e), " was made an admin by the operator"],
  admin_user_created: (e) => [actor(e), " created ", target(e), " and sent an invitation"],
  admin_user_updated: (e) => [actor(e), " edited ", target(e)],
  admin_logout_all: (e) => [actor(e), " signed ", target(e), " out everywhere"],
  invitation_accepted: (e) => [target(e), " accepted the invitation and set a password"],
  oauth_login: (e) => [actor(e), ` signed in with ${detail(e, "provider")}`],
  oauth_signup: (e) => [actor(e), ` signed up with ${detail(e, "provider")}`],
  oauth_linked: (e) => [actor(e), ` linked a ${detail(e, "provider")} account`],
  oauth_unlinked: (e) => [actor(e), ` unlinked a ${detail(e, "provider")} account`],
  oauth_failed: (e) => [`A sign-in with ${detail(e, "provider")} failed`],
  token_created: (e) => [actor(e), " created", ...whose(e, `token “${detail(e, "name")}”`)],
  token_revoked: (e) => [actor(e), " revoked", ...whose(e, `token “${detail(e, "name")}”`)],
  mfa_enabled: (e) => [actor(e), ` set up ${method(e)} as a second factor`],
  mfa_disabled: (e) => [actor(e), ` removed ${method(e)} as a second factor`],
  mfa_failed: (e) => ["A second-factor check of ", target(e), ` with ${method(e)} failed${during(e)}`],
  recovery_code_used: (e) => [actor(e), ` used a recovery code${during(e)} (${detail(e, "remaining")} left)`],
  recovery_codes_regenerated: (e) => [actor(e), " made a new set of recovery codes"],
  reauthenticated: (e) => [actor(e), ` confirmed it was them with ${method(e)}`],
  reauthentication_failed: (e) => [actor(e), ` could not confirm it was them with ${method(e)}`],
  mfa_reset_by_admin: (e) => [actor(e), " reset the second factors of ", target(e)],
  passkey_added: (e) => [actor(e), ` added the passkey “${detail(e, "name")}”`],
  passkey_removed: (e) => [actor(e), ` removed the passkey “${detail(e, "name")}”`],
  passkey_login: (e) => [actor(e), " signed in with a passkey"],
  username_changed: (e) => [actor(e), ` changed their username from ${detail(e, "from")}`],
  email_change_requested: (e) => [actor(e), ` asked to change their email address to ${detail(e, "new_email")}`],
  email_changed: (e) => [target(e), ` changed their email address from ${detail(e, "from")} to ${detail(e, "to")}`],
  account_deleted: (e) => [target(e), " deleted their account"],
  account_exported: (e) => [actor(e), " downloaded their data"],
  logout_others: (e) => [actor(e), " signed out their other sessions"],
  impersonation_started: (e) => [actor(e), " started impersonating ", target(e), ` (reason: ${detail(e, "reason")})`],
  impersonation_stopped: (e) => [actor(e), " stopped impersonating ", target(e)],
};

export const actionLabel = (action: string) => action.replaceAll("_", " ");

export function sentenceParts(event: AuditEvent): Part[] {
  // Rows written by an older version may carry an action this one no longer has.
  const phrase = PHRASES[event.action as AuditAction] as ((event: AuditEvent) => Part[]) | undefined;
  if (phrase) return phrase(event);
  return [actor(event), ` — ${actionLabel(event.action)}`, ...(event.targetId && event.targetId !== event.actorId ? [" — ", target(event)] : [])];
}

/** The sentence as plain text (CSV, titles): the same words the page shows. */
export function sentenceText(event: AuditEvent, names: AuditNames): string {
  return sentenceParts(event)
    .map((part) => (typeof part === "string" ? part : personLabel(part.person, names)))
    .join("");
}

function personLabel(id: string | null, names: AuditNames): string {
  if (!id) return TEXT.someone;
  return names.get(id)?.name ?? TEXT.deletedAccount;
}

/** A person: a link while the account exists; a deleted account keeps its name, marked, linking nowhere. */
export function Who({ id, names }: { id: string | null; names: AuditNames }) {
  if (!id) return <span>{TEXT.someone}</span>;
  const person = names.get(id);
  if (!person || person.deleted) {
    return (
      <span class="font-medium text-slate-700 dark:text-slate-200" title={attr(TEXT.deletedTitle(id))}>
        <span safe>{person?.name ?? TEXT.deletedAccount}</span> <span class="text-xs font-normal text-slate-500 dark:text-slate-400">{TEXT.deletedMark}</span>
      </span>
    );
  }
  return (
    <a href={attr(`/admin/users/${id}`)} class="font-medium text-slate-900 underline-offset-2 hover:text-blue-600 hover:underline dark:text-slate-100 dark:hover:text-blue-400" safe>
      {person.name}
    </a>
  );
}

export function Sentence({ event, names }: { event: AuditEvent; names: AuditNames }) {
  const parts = sentenceParts(event);
  return (
    <span>
      {parts.map((part) => (typeof part === "string" ? <span safe>{part}</span> : <Who id={part.person} names={names} />))}
    </span>
  );
}

/** "2 minutes ago, from 10.1.2.3", the exact time on hover and in the datetime. */
export function WhenWhere({ event, now }: { event: AuditEvent; now: number }) {
  return (
    <span class="text-slate-500 dark:text-slate-400">
      {" — "}
      <Time at={event.createdAt} as="relative" now={now} />
      {event.ip ? <span safe>{TEXT.from(event.ip)}</span> : ""}
    </span>
  );
}

const show = (value: unknown): string => {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map(show).join(", ");
  return JSON.stringify(value);
};

/** Details as "key: value" pairs, whole (wrapped, never cut off). */
export function Details({ details }: { details: Record<string, unknown> }) {
  const entries = Object.entries(details);
  if (entries.length === 0) return <span class="text-slate-500 dark:text-slate-400">—</span>;
  return (
    <dl class="flex flex-wrap gap-x-3 gap-y-0.5 text-xs">
      {entries.map(([key, value]) => (
        <div class="min-w-0 break-words [overflow-wrap:anywhere]">
          <dt class="inline text-slate-500 dark:text-slate-400" safe>{`${actionLabel(key)}:`}</dt> <dd class="inline font-mono text-slate-700 dark:text-slate-300" safe>{show(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
