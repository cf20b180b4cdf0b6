/** Social sign-in pieces: the "Continue with …" links, linked identities, and the failure page. */
import type { OAuthAccount } from "../../db/schema";
import { attr, Badge, Button, buttonClass, Card, CsrfField, EmptyState, type Notice, Alert } from "../components/ui";
import { Time } from "../components/time";

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
        or
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
      <Card title="Sign-in methods" description="Accounts at other providers you can sign in with.">
        <div class="space-y-4">
          {notice ? <Alert {...notice} /> : ""}
          {rows.length === 0 ? (
            <EmptyState title="No linked accounts" text="Link one below to sign in without your password." />
          ) : (
            <ul class="divide-y divide-slate-100 dark:divide-slate-800">
              {rows.map(({ identity, providerName }) => (
                <li class="flex flex-wrap items-center gap-3 py-3" data-identity={attr(identity.provider)}>
                  <div class="min-w-0 flex-1">
                    <p class="text-sm font-medium" safe>
                      {providerName}
                    </p>
                    <p class="text-xs text-slate-500 dark:text-slate-400">
                      <span safe>{`${identity.email ?? "no email shared"} · linked `}</span>
                      <Time at={identity.createdAt} as="date" />
                    </p>
                  </div>
                  <form method="post" action={attr(`/account/identities/${identity.id}/unlink`)} hx-post={attr(`/account/identities/${identity.id}/unlink`)} hx-target="#identities" hx-swap="outerHTML">
                    <CsrfField token={csrfToken} />
                    <Button variant="secondary">{`Unlink ${providerName}` as "safe"}</Button>
                  </form>
                </li>
              ))}
            </ul>
          )}
          {linkable.length > 0 ? (
            <div class="flex flex-wrap gap-2">
              {linkable.map((provider) => (
                <a href={attr(startHref(provider.id, "/dashboard", true))} hx-boost="false" class={buttonClass("secondary")} safe>
                  {`Link ${provider.name}`}
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
    <Card title="Linked identities" description="Provider accounts this user signs in with.">
      {rows.length === 0 ? (
        <p class="text-sm text-slate-500 dark:text-slate-400">None.</p>
      ) : (
        <ul class="divide-y divide-slate-100 dark:divide-slate-800" id="admin-identities">
          {rows.map(({ identity, providerName }) => (
            <li class="flex flex-wrap items-center gap-3 py-2 text-sm">
              <Badge color="gray" text={providerName} />
              <span class="break-all" safe>
                {identity.email ?? "no email"}
              </span>
              <span class="text-xs text-slate-500 dark:text-slate-400">
                <span safe>{`id ${identity.providerAccountId} · linked `}</span>
                <Time at={identity.createdAt} as="date" />
              </span>
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
          {`Request id ${requestId}`}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}
