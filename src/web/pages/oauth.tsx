/** Social sign-in pieces: the "Continue with …" links, linked identities, and the failure page. */
import type { OAuthAccount } from "../../db/schema";
import { attr, Badge, Button, buttonClass, Card, CsrfField, EmptyState, type Notice, Alert } from "../components/ui";
import { Time } from "../components/time";

/**
 * Every word of the social sign-in pieces, in one place for a translation (docs/pages.md): the
 * identities cards, the failure page's buttons, the notices /dashboard shows after linking or
 * unlinking, and what the routes fall back to. A line with a <Time> in it takes the element as
 * a slot, so it is translated whole. What went wrong on the failure page comes from
 * src/modules/oauth/failure.ts.
 */
export const TEXT = {
  or: "or",
  /** A provider the configuration no longer names. */
  unknownProvider: "the provider",
  identities: {
    title: "Sign-in methods",
    description: "Accounts at other providers you can sign in with.",
    emptyTitle: "No linked accounts",
    emptyText: "Link one below to sign in without your password.",
    linked: (email: string | null, at: JSX.Element) => (
      <>
        <span safe>{`${email ?? "no email shared"} · linked `}</span>
        {at as "safe"}
      </>
    ),
    unlink: (provider: string) => `Unlink ${provider}`,
    link: (provider: string) => `Link ${provider}`,
    /** After the round trip or the unlink, on /dashboard#identities. */
    notices: {
      linked: { tone: "success", text: "Linked. You can now sign in with that account too." },
      "already-linked": { tone: "info", text: "That account was already linked to yours." },
      unlinked: { tone: "success", text: "Unlinked. You can no longer sign in with that account." },
    } satisfies Record<string, Notice>,
  },
  admin: {
    title: "Linked identities",
    description: "Provider accounts this user signs in with.",
    none: "None.",
    noEmail: "no email",
    linked: (providerAccountId: string, at: JSX.Element) => (
      <>
        <span safe>{`id ${providerAccountId} · linked `}</span>
        {at as "safe"}
      </>
    ),
  },
  failure: {
    requestId: (id: string) => `Request id ${id}`,
    /** The primary button: back where the attempt started. */
    backToAccount: "Back to your account",
    toDashboard: "Go to your dashboard",
    backToSignIn: "Back to sign in",
  },
} as const;

export interface ProviderLink {
  id: string;
  name: string;
}

/** Where a provider round trip starts; `next` rides along when it is not the default. */
export function startHref(providerId: string, next: string, link = false): string {
  const params = new URLSearchParams();
  if (link) params.set("link", "1");
  if (next !== "/dashboard") params.set("next", next);
  const query = params.toString();
  return `/oauth/${encodeURIComponent(providerId)}/start${query ? `?${query}` : ""}`;
}

/**
 * Links, not forms: the browser leaves for the provider's site, which a form post could not do
 * under our CSP's form-action. hx-boost is off so htmx does not try to fetch another origin.
 */
export function ProviderButtons({ providers, next, label }: { providers: ProviderLink[]; next: string; label: (provider: string) => string }) {
  if (providers.length === 0) return "";
  return (
    <div class="space-y-3" id="provider-buttons">
      {providers.map((provider) => (
        <a href={attr(startHref(provider.id, next))} hx-boost="false" class={buttonClass("secondary", "w-full justify-center")} safe>
          {label(provider.name)}
        </a>
      ))}
      <div class="flex items-center gap-3 text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
        <span class="h-px flex-1 bg-slate-200 dark:bg-slate-800"></span>
        {TEXT.or}
        <span class="h-px flex-1 bg-slate-200 dark:bg-slate-800"></span>
      </div>
    </div>
  );
}

export interface IdentityRow {
  identity: OAuthAccount;
  providerName: string;
}

export function IdentitiesCard({ rows, linkable, csrfToken, notice }: { rows: IdentityRow[]; linkable: ProviderLink[]; csrfToken: string; notice?: Notice }) {
  return (
    <div id="identities">
      <Card title={TEXT.identities.title} description={TEXT.identities.description}>
        <div class="space-y-4">
          {notice ? <Alert {...notice} /> : ""}
          {rows.length === 0 ? (
            <EmptyState title={TEXT.identities.emptyTitle} text={TEXT.identities.emptyText} />
          ) : (
            <ul class="divide-y divide-slate-100 dark:divide-slate-800">
              {rows.map(({ identity, providerName }) => (
                <li class="flex flex-wrap items-center gap-3 py-3" data-identity={attr(identity.provider)}>
                  <div class="min-w-0 flex-1">
                    <p class="text-sm font-medium" safe>
                      {providerName}
                    </p>
                    <p class="text-xs text-slate-500 dark:text-slate-400">{TEXT.identities.linked(identity.email, <Time at={identity.createdAt} as="date" />) as "safe"}</p>
                  </div>
                  <form method="post" action={attr(`/account/identities/${identity.id}/unlink`)} hx-post={attr(`/account/identities/${identity.id}/unlink`)} hx-target="#identities" hx-swap="outerHTML">
                    <CsrfField token={csrfToken} />
                    <Button variant="secondary">{TEXT.identities.unlink(providerName) as "safe"}</Button>
                  </form>
                </li>
              ))}
            </ul>
          )}
          {linkable.length > 0 ? (
            <div class="flex flex-wrap gap-2">
              {linkable.map((provider) => (
                <a href={attr(startHref(provider.id, "/dashboard", true))} hx-boost="false" class={buttonClass("secondary")} safe>
                  {TEXT.identities.link(provider.name)}
                </a>
              ))}
            </div>
          ) : (
            ""
          )}
        </div>
      </Card>
    </div>
  );
}

/** The admin user page's read-only list. */
export function AdminIdentities({ rows }: { rows: IdentityRow[] }) {
  return (
    <Card title={TEXT.admin.title} description={TEXT.admin.description}>
      {rows.length === 0 ? (
        <p class="text-sm text-slate-500 dark:text-slate-400">{TEXT.admin.none}</p>
      ) : (
        <ul class="divide-y divide-slate-100 dark:divide-slate-800" id="admin-identities">
          {rows.map(({ identity, providerName }) => (
            <li class="flex flex-wrap items-center gap-3 py-2 text-sm">
              <Badge color="gray" text={providerName} />
              <span class="break-all" safe>
                {identity.email ?? TEXT.admin.noEmail}
              </span>
              <span class="text-xs text-slate-500 dark:text-slate-400">{TEXT.admin.linked(identity.providerAccountId, <Time at={identity.createdAt} as="date" />) as "safe"}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export interface OAuthFailureView {
  status: number;
  title: string;
  text: string;
  requestId: string;
  /** Where the primary button leads: sign-in, or the account page for a failed link. */
  back: { href: string; label: string };
}

export function OAuthFailurePage({ title, text, requestId, back }: OAuthFailureView) {
  return (
    <div class="rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm dark:border-slate-800 dark:bg-slate-900" id="oauth-failure">
      <h1 class="text-2xl font-bold tracking-tight" safe>
        {title}
      </h1>
      <p class="mt-3 text-sm text-slate-600 dark:text-slate-400" safe>
        {text}
      </p>
      <div class="mt-6 flex justify-center gap-3">
        <a href={attr(back.href)} class={buttonClass("primary")} safe>
          {back.label}
        </a>
      </div>
      {requestId ? (
        <p class="mt-6 text-xs text-slate-500 dark:text-slate-400" safe>
          {TEXT.failure.requestId(requestId)}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}
