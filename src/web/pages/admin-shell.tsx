/** Pieces shared by the admin pages: the tab bar, stat tiles, user badges and a page heading. */
import type { PropsWithChildren } from "@kitajs/html";
import type { User } from "../../db/schema";
import { attr, Badge, buttonClass, cx } from "../components/ui";
import { formatNumber } from "../format";

/** Every word of the admin pages' shared pieces, in one place for a translation (docs/pages.md). */
const TEXT = {
  tabs: { navLabel: "Admin", overview: "Overview", users: "Users", audit: "Audit log" },
  exportCsv: "Export CSV",
  role: { admin: "Admin", user: "User" },
  status: { disabled: "Disabled", active: "Active" },
  email: { verified: "Verified", unverified: "Unverified" },
} as const;

const TABS = [
  { href: "/admin", label: TEXT.tabs.overview, key: "overview" },
  { href: "/admin/users", label: TEXT.tabs.users, key: "users" },
  { href: "/admin/audit", label: TEXT.tabs.audit, key: "audit" },
] as const;
export type AdminTab = (typeof TABS)[number]["key"];

/**
 * "Export CSV" for the filters on screen. Live filters swap only the results, so the fragment
 * sends this link again out of band: otherwise it would export the filters the page loaded with.
 */
export function ExportCsvLink({ href, oob }: { href: string; oob?: boolean }) {
  return (
    <a id="export-csv" href={attr(href)} hx-boost="false" hx-swap-oob={oob ? "true" : undefined} class={buttonClass("secondary")}>
      {TEXT.exportCsv}
    </a>
  );
}

export function AdminHeader({ tab, title, children }: PropsWithChildren<{ tab: AdminTab; title: string }>) {
  return (
    <div class="mb-6 space-y-4">
      <nav class="flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-800" aria-label={TEXT.tabs.navLabel}>
        {TABS.map((item) => (
          <a
            href={item.href}
            aria-current={item.key === tab ? "page" : undefined}
            class={cx(
              "-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium",
              item.key === tab ? "border-blue-600 text-blue-700 dark:border-blue-400 dark:text-blue-300" : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-white",
            )}
           
          >
            {item.label}
          </a>
        ))}
      </nav>
      <div class="flex flex-wrap items-center justify-between gap-3">
        <h1 class="text-2xl font-bold tracking-tight" safe>
          {title}
        </h1>
        {children as "safe"}
      </div>
    </div>
  );
}

/** A number; with `href`, a link to the users list filtered to what it counts. */
export function StatTile({ label, value, hint, href }: { label: string; value: number; hint?: string; href?: string }) {
  const body = (
    <>
      <p class="text-sm text-slate-500 dark:text-slate-400" safe>
        {label}
      </p>
      <p class="mt-2 text-3xl font-bold tracking-tight tabular-nums" safe>
        {formatNumber(value)}
      </p>
      {hint ? (
        <p class="mt-1 text-xs text-slate-500 dark:text-slate-400" safe>
          {hint}
        </p>
      ) : (
        ""
      )}
    </>
  );
  const box = "block rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900";
  return href ? (
    <a href={href} class={`${box} hover:border-blue-400 hover:shadow dark:hover:border-blue-500`}>
      {body as "safe"}
    </a>
  ) : (
    <div class={box}>{body as "safe"}</div>
  );
}

export function RoleBadge({ user }: { user: Pick<User, "role"> }) {
  return user.role === "admin" ? <Badge color="violet" text={TEXT.role.admin} /> : <Badge color="gray" text={TEXT.role.user} />;
}

export function StatusBadge({ user }: { user: Pick<User, "disabledAt"> }) {
  return user.disabledAt ? <Badge color="red" text={TEXT.status.disabled} /> : <Badge color="green" text={TEXT.status.active} />;
}

export function VerifiedBadge({ user }: { user: Pick<User, "emailVerified"> }) {
  return user.emailVerified ? <Badge color="blue" text={TEXT.email.verified} /> : <Badge color="amber" text={TEXT.email.unverified} />;
}
