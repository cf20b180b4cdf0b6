/** Personal access tokens on the pages: the user's "Tokens" card and the admin's list on a user's page. */
import { PAT_SCOPES, type PatScope, type PersonalAccessToken } from "../../db/schema";
import { Alert, attr, Badge, Button, Card, CsrfField, EmptyState, Field, type Notice } from "../components/ui";
import { Time } from "../components/time";
import type { FormState } from "../forms";

/**
 * Every word of the Tokens card and the admin's list, with what their routes say on them, in one
 * place for a translation (docs/pages.md). The dates line takes each <Time> as a slot, so a
 * phrase is translated whole.
 */
export const TEXT = {
  notices: {
    "token-revoked": { tone: "success", text: "Token revoked. Anything using it is refused from now on." },
  } satisfies Record<string, Notice>,
  card: {
    title: "Tokens",
    description: "Personal access tokens let scripts and CI call the API as you, limited to the scopes you choose. They cannot change your password, email, factors or tokens.",
    empty: "No tokens",
    readOnly: "Making and revoking tokens is something only the user can do, signed in as themselves.",
  },
  admin: {
    title: "Personal access tokens",
    description: "Tokens this user created for scripts and CI.",
    empty: "No tokens",
  },
  dates: {
    created: (at: JSX.Element) => <>{"created "}{at as "safe"}</>,
    expires: (at: JSX.Element) => <>{" · expires "}{at as "safe"}</>,
    expired: (at: JSX.Element) => <>{" · expired "}{at as "safe"}</>,
    lastUsed: (at: JSX.Element) => <>{" · last used "}{at as "safe"}</>,
    neverUsed: " · never used",
  },
  row: {
    revokeConfirm: "Revoke this token? Scripts using it stop at once.",
    revoke: "Revoke",
  },
  created: {
    heading: (name: string) => `Token "${name}" created.`,
    copyNow: "Copy it now: it is shown only this once.",
    fieldLabel: (name: string) => `Token "${name}"`,
    copy: "Copy",
    copied: "Copied",
  },
  form: {
    nameLabel: "Name",
    nameHint: "What uses it, e.g. “deploy script”.",
    scopes: "Scopes",
    expiresAfter: "Expires after",
    days: (days: number) => `${days} days`,
    /** A lifetime the form did not offer (a hand-made post). */
    lifetimeNotOffered: "Choose one of the offered lifetimes",
    create: "Create token",
  },
  scopes: {
    "profile:read": "Read your profile",
    "sessions:read": "List your sessions",
    "sessions:write": "End your sessions",
    "admin:read": "Read users, sessions and the audit log (admin)",
    "admin:write": "Change users and sessions (admin)",
  } satisfies Record<PatScope, string>,
} as const;

export const EXPIRY_CHOICES = [7, 30, 90, 365] as const;

/** The form field of a scope's checkbox (one field per scope: forms keep one value per name). */
export const scopeField = (scope: PatScope) => `scope_${scope.replace(":", "_")}`;

export interface TokensCardProps {
  tokens: PersonalAccessToken[];
  isAdmin: boolean;
  csrfToken: string;
  now: number;
  form: FormState;
  /** A token just created: shown this once. */
  created?: { name: string; token: string };
  notice?: Notice;
  /** An administrator impersonating (docs/impersonation.md): tokens are listed, not made or revoked. */
  readOnly?: boolean;
}

function ScopeBadges({ scopes }: { scopes: PatScope[] }) {
  return (
    <span class="flex flex-wrap gap-1">
      {scopes.map((scope) => (
        <Badge color={scope.startsWith("admin:") ? "violet" : "gray"} text={scope} />
      ))}
    </span>
  );
}

function TokenDates({ token, now }: { token: PersonalAccessToken; now: number }) {
  return (
    <>
      {TEXT.dates.created(<Time at={token.createdAt} as="date" />) as "safe"}
      {(token.expiresAt.getTime() <= now ? TEXT.dates.expired : TEXT.dates.expires)(<Time at={token.expiresAt} as="date" />) as "safe"}
      {token.lastUsedAt ? (TEXT.dates.lastUsed(<Time at={token.lastUsedAt} as="relative" now={now} />) as "safe") : TEXT.dates.neverUsed}
    </>
  );
}

function TokenRow({ token, action, csrfToken, target, now, readOnly }: { token: PersonalAccessToken; action: string; csrfToken: string; target: string; now: number; readOnly?: boolean }) {
  return (
    <li class="flex flex-col gap-3 py-4 sm:flex-row sm:items-center">
      <div class="min-w-0 flex-1 space-y-1">
        <p class="text-sm font-medium break-all" safe>
          {token.name}
        </p>
        <ScopeBadges scopes={token.scopes} />
        <p class="text-xs text-slate-500 dark:text-slate-400">
          <TokenDates token={token} now={now} />
        </p>
      </div>
      {readOnly ? (
        ""
      ) : (
        <form method="post" action={attr(action)} hx-post={attr(action)} hx-target={attr(target)} hx-swap="outerHTML" hx-confirm={TEXT.row.revokeConfirm} hx-disabled-elt="find button">
          <CsrfField token={csrfToken} />
          <Button variant="secondary">{TEXT.row.revoke}</Button>
        </form>
      )}
    </li>
  );
}

function CreatedToken({ name, token }: { name: string; token: string }) {
  return (
    <div class="space-y-2 rounded-xl border border-green-200 bg-green-50 px-4 py-3 dark:border-green-900/60 dark:bg-green-950/40" role="status">
      <p class="text-sm text-green-900 dark:text-green-200">
        <strong class="font-semibold" safe>{TEXT.created.heading(name)}</strong> {TEXT.created.copyNow}
      </p>
      <div class="flex gap-2">
        <input id="new-token" type="text" readonly aria-label={attr(TEXT.created.fieldLabel(name))} value={attr(token)} class="block w-full rounded-lg border border-green-300 bg-white px-3 py-2 font-mono text-xs text-slate-900 dark:border-green-800 dark:bg-slate-950 dark:text-slate-100" />
        {/* public/app.js unhides and drives it; without JavaScript the field can be selected and copied. */}
        <button type="button" hidden data-copy="new-token" data-copied-label={TEXT.created.copied} class="rounded-lg border border-green-300 px-3 text-xs font-semibold text-green-900 hover:bg-green-100 dark:border-green-800 dark:text-green-200">
          {TEXT.created.copy}
        </button>
      </div>
    </div>
  );
}

function CreateTokenForm({ isAdmin, csrfToken, form }: { isAdmin: boolean; csrfToken: string; form: FormState }) {
  const scopes = PAT_SCOPES.filter((scope) => isAdmin || !scope.startsWith("admin:"));
  const expiry = form.values.expires_in_days ?? "90";
  return (
    <form method="post" action="/account/tokens" hx-post="/account/tokens" hx-target="#tokens" hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" class="space-y-4">
      <CsrfField token={csrfToken} />
      <Field idPrefix="token" name="name" label={TEXT.form.nameLabel} value={form.values.name} error={form.errors.name} hint={TEXT.form.nameHint} required maxlength={100} />
      <fieldset class="space-y-2">
        <legend class="text-sm font-medium text-slate-700 dark:text-slate-300">{TEXT.form.scopes}</legend>
        {scopes.map((scope) => (
          <label class="flex items-center gap-2 text-sm">
            <input type="checkbox" name={scopeField(scope)} value="on" checked={form.values[scopeField(scope)] === "on"} />
            <span class="font-mono text-xs">{scope}</span>
            <span class="text-slate-500 dark:text-slate-400" safe>
              {TEXT.scopes[scope]}
            </span>
          </label>
        ))}
        {form.errors.scopes ? (
          <p class="text-xs font-medium text-red-600 dark:text-red-400" safe>
            {form.errors.scopes}
          </p>
        ) : (
          ""
        )}
      </fieldset>
      <div class="space-y-1.5">
        <label for="token-expires" class="block text-sm font-medium text-slate-700 dark:text-slate-300">
          {TEXT.form.expiresAfter}
        </label>
        <select id="token-expires" name="expires_in_days" class="block rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950">
          {EXPIRY_CHOICES.map((days) => (
            <option value={String(days)} selected={expiry === String(days)} safe>
              {TEXT.form.days(days)}
            </option>
          ))}
        </select>
        {form.errors.expires_in_days ? (
          <p class="text-xs font-medium text-red-600 dark:text-red-400" safe>
            {form.errors.expires_in_days}
          </p>
        ) : (
          ""
        )}
      </div>
      <Button type="submit">{TEXT.form.create}</Button>
    </form>
  );
}

/** The user's own tokens: create (shown once), list, revoke. Swapped whole by every action on it. */
export function TokensCard(props: TokensCardProps) {
  return (
    <div id="tokens">
      <Card title={TEXT.card.title} description={TEXT.card.description}>
        <div class="space-y-4">
          {props.notice ? <Alert {...props.notice} /> : ""}
          {props.created ? <CreatedToken {...props.created} /> : ""}
          {props.tokens.length === 0 ? (
            <EmptyState title={TEXT.card.empty} />
          ) : (
            <ul class="divide-y divide-slate-100 dark:divide-slate-800">
              {props.tokens.map((token) => (
                <TokenRow token={token} action={`/account/tokens/${token.id}/revoke`} csrfToken={props.csrfToken} target="#tokens" now={props.now} readOnly={props.readOnly} />
              ))}
            </ul>
          )}
          {props.readOnly ? (
            <p class="text-sm text-slate-600 dark:text-slate-400">{TEXT.card.readOnly}</p>
          ) : (
            <CreateTokenForm isAdmin={props.isAdmin} csrfToken={props.csrfToken} form={props.form} />
          )}
        </div>
      </Card>
    </div>
  );
}

/** An admin's list of a user's tokens, with revoke (htmx swaps the whole user page back, as its other actions do). */
export function UserTokensCard({ userId, tokens, csrfToken, now, notice }: { userId: string; tokens: PersonalAccessToken[]; csrfToken: string; now: number; notice?: Notice }) {
  return (
    <div id="user-tokens">
      <Card title={TEXT.admin.title} description={TEXT.admin.description}>
        {notice ? <Alert {...notice} /> : ""}
        {tokens.length === 0 ? (
          <EmptyState title={TEXT.admin.empty} />
        ) : (
          <ul class="divide-y divide-slate-100 dark:divide-slate-800">
            {tokens.map((token) => (
              <TokenRow token={token} action={`/admin/users/${userId}/tokens/${token.id}/revoke`} csrfToken={csrfToken} target="#user-detail" now={now} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
