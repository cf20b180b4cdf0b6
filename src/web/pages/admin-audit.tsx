/** The audit log: who did what to whom, from where, newest first; and the admin overview. */
import type { AuditEvent } from "../../db/schema";
import type { AuditNames } from "../../modules/admin/names";
import type { Stats } from "../../modules/admin/service";
import { AUDIT_ACTIONS } from "../../modules/audit/service";
import { Pagination, Table, Td, Th } from "../components/table";
import { attr, Badge, type BadgeColor, buttonClass, Card, EmptyState } from "../components/ui";
import { Time } from "../components/time";
import { AdminHeader, ExportCsvLink, StatTile } from "./admin-shell";
import { actionLabel, Details, Sentence, WhenWhere } from "./audit-sentence";
import type { DayStats } from "../../modules/admin/stats";
import { ActivityCharts } from "./admin-charts";

/** Every word of /admin and /admin/audit, their titles and the route's message, in one place for a translation (docs/pages.md). */
export const TEXT = {
  overview: {
    title: "Admin",
    heading: "Overview",
    manageUsers: "Manage users",
    tiles: {
      users: "Users",
      newThisWeek: (count: number) => `${count} new in the last 7 days`,
      verified: "Verified",
      admins: "Admins",
      disabled: "Disabled",
      activeSessions: "Active sessions",
      signups: "Sign-ups, 7 days",
    },
    activity: { title: "Activity, last 30 days", description: "Per UTC day, today on the right." },
    recent: { title: "Recent activity", openLog: "Open the audit log" },
  },
  /** The compact list (the overview, a user's page). */
  list: { empty: "No activity yet" },
  audit: {
    title: "Audit log",
    heading: "Audit log",
    filters: {
      action: "Action",
      allActions: "All actions",
      user: "User",
      userPlaceholder: "Username, email or id",
      from: "From (UTC)",
      to: "To (UTC)",
      apply: "Apply",
      clear: "Clear filters",
    },
    /** Said under the user field when the person matches no account. */
    noAccount: (person: string) => `No account has the username, email or id “${person}”`,
    results: {
      label: "Audit events",
      what: "What happened",
      when: "When",
      details: "Details",
      from: (ip: string) => `from ${ip}`,
      emptyTitle: "No events match",
      emptyText: "Try another action, person or date, or clear the filters.",
      noun: (count: number) => (count === 1 ? "event" : "events"),
    },
  },
} as const;

function actionColor(action: string): BadgeColor {
  if (action.startsWith("admin_")) return "violet";
  if (action.includes("failed") || action.includes("reuse")) return "red";
  if (action.startsWith("password")) return "amber";
  if (action === "login" || action === "register" || action === "email_verified") return "green";
  return "gray";
}

/** A compact list for the overview and a user's page: one sentence per event. */
export function AuditList({ events, names, now }: { events: AuditEvent[]; names: AuditNames; now: number }) {
  if (events.length === 0) return <EmptyState title={TEXT.list.empty} />;
  return (
    <ul class="divide-y divide-slate-100 dark:divide-slate-800">
      {events.map((event) => (
        <li class="py-2.5 text-sm break-words text-slate-700 dark:text-slate-200">
          <Sentence event={event} names={names} />
          <WhenWhere event={event} now={now} />
        </li>
      ))}
    </ul>
  );
}

export interface AuditFilters {
  action: string;
  /** A username, an email or a user id. */
  user: string;
  from: string;
  to: string;
  page: number;
  per_page: number;
}

export const AUDIT_PER_PAGE = 25;

/** The filters as query parameters (only those set): the list's and the export's URL. */
export function auditParams(filters: AuditFilters, page = filters.page): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ["action", "user", "from", "to"] as const) if (filters[key]) params.set(key, filters[key]);
  if (filters.per_page !== AUDIT_PER_PAGE) params.set("per_page", String(filters.per_page));
  if (page > 1) params.set("page", String(page));
  return params;
}

export function auditUrl(filters: AuditFilters, page = filters.page): string {
  const query = auditParams(filters, page).toString();
  return query ? `/admin/audit?${query}` : "/admin/audit";
}

export interface AuditResultProps {
  events: AuditEvent[];
  names: AuditNames;
  total: number;
  totalPages: number;
  filters: AuditFilters;
  now: number;
  error?: string;
}

/** What the filters and paging swap into #audit-results (its container stays: a stable live region). */
export function AuditResultsContent({ events, names, total, totalPages, filters, now }: AuditResultProps) {
  const head = (
    <>
      <Th>{TEXT.audit.results.what}</Th>
      <Th class="hidden sm:table-cell">{TEXT.audit.results.when}</Th>
      <Th class="hidden lg:table-cell">{TEXT.audit.results.details}</Th>
    </>
  );
  return (
    <>
      {events.length === 0 ? (
        <EmptyState title={TEXT.audit.results.emptyTitle} text={TEXT.audit.results.emptyText} />
      ) : (
        <Table head={head} label={TEXT.audit.results.label}>
          {events.map((event) => (
            <tr>
              <Td class="min-w-56">
                <div class="flex flex-col gap-1">
                  <span class="break-words">
                    <Sentence event={event} names={names} />
                    <span class="sm:hidden">
                      <WhenWhere event={event} now={now} />
                    </span>
                  </span>
                  <span>
                    <Badge color={actionColor(event.action)} text={actionLabel(event.action)} />
                  </span>
                  <div class="lg:hidden">
                    <Details details={event.details} />
                  </div>
                </div>
              </Td>
              <Td class="hidden whitespace-nowrap text-slate-500 sm:table-cell dark:text-slate-400">
                <Time at={event.createdAt} />
                {event.ip ? (
                  <p class="text-xs" safe>
                    {TEXT.audit.results.from(event.ip)}
                  </p>
                ) : (
                  ""
                )}
              </Td>
              <Td class="hidden max-w-80 lg:table-cell">
                <Details details={event.details} />
              </Td>
            </tr>
          ))}
        </Table>
      )}
      <Pagination page={filters.page} totalPages={totalPages} total={total} perPage={filters.per_page} noun={TEXT.audit.results.noun(total)} hrefFor={(page) => auditUrl(filters, page)} hx={{ target: "#audit-results" }} />
    </>
  );
}

/** The CSV of every event the filters match (all pages). */
function auditExportUrl(filters: AuditFilters): string {
  const query = auditParams({ ...filters, page: 1, per_page: AUDIT_PER_PAGE }).toString();
  return `/admin/audit/export${query ? `?${query}` : ""}`;
}

/** What an htmx request gets: the results, and the export link for the new filters out of band. */
export function AuditResultsFragment(props: AuditResultProps) {
  return (
    <>
      <AuditResultsContent {...props} />
      <ExportCsvLink href={auditExportUrl(props.filters)} oob />
    </>
  );
}

export function AuditResults(props: AuditResultProps) {
  return (
    <div id="audit-results" aria-live="polite">
      <AuditResultsContent {...props} />
    </div>
  );
}

const live = { "hx-get": "/admin/audit", "hx-target": "#audit-results", "hx-push-url": "true", "hx-include": "closest form" };
const inputClass = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950";
const labelClass = "block text-xs font-medium text-slate-600 dark:text-slate-400";

export function AuditPage(props: AuditResultProps) {
  const { filters } = props;
  return (
    <div>
      <AdminHeader tab="audit" title={TEXT.audit.heading}>
        <ExportCsvLink href={auditExportUrl(filters)} />
      </AdminHeader>
      <div class="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <form method="get" action="/admin/audit" role="search" class="grid grid-cols-2 gap-3 lg:grid-cols-[1fr_2fr_1fr_1fr_auto_auto] lg:items-end" {...live}>
          <div class="space-y-1.5">
            <label for="audit-action" class={labelClass}>
              {TEXT.audit.filters.action}
            </label>
            <select id="audit-action" name="action" class={inputClass} {...live} hx-trigger="change">
              <option value="">{TEXT.audit.filters.allActions}</option>
              {AUDIT_ACTIONS.map((action) => (
                <option value={action} selected={action === filters.action} safe>
                  {actionLabel(action)}
                </option>
              ))}
            </select>
          </div>
          <div class="space-y-1.5">
            <label for="audit-user" class={labelClass}>
              {TEXT.audit.filters.user}
            </label>
            <input
              id="audit-user"
              name="user"
              value={attr(filters.user)}
              placeholder={TEXT.audit.filters.userPlaceholder}
              autocomplete="off"
              maxlength={254}
              aria-invalid={props.error ? "true" : undefined}
              aria-describedby={props.error ? "audit-user-error" : undefined}
              class={inputClass}
            />
            {props.error ? (
              <p id="audit-user-error" class="text-xs font-medium text-red-600 dark:text-red-400" safe>
                {props.error}
              </p>
            ) : (
              ""
            )}
          </div>
          <div class="space-y-1.5">
            <label for="audit-from" class={labelClass}>
              {TEXT.audit.filters.from}
            </label>
            <input id="audit-from" name="from" type="date" value={attr(filters.from)} class={inputClass} />
          </div>
          <div class="space-y-1.5">
            <label for="audit-to" class={labelClass}>
              {TEXT.audit.filters.to}
            </label>
            <input id="audit-to" name="to" type="date" value={attr(filters.to)} class={inputClass} />
          </div>
          {filters.per_page !== AUDIT_PER_PAGE ? <input type="hidden" name="per_page" value={String(filters.per_page)} /> : ""}
          <button type="submit" class={buttonClass("secondary")}>
            {TEXT.audit.filters.apply}
          </button>
          <a href="/admin/audit" class={buttonClass("ghost")}>
            {TEXT.audit.filters.clear}
          </a>
        </form>
        <AuditResults {...props} />
      </div>
    </div>
  );
}

export function OverviewPage({ stats, events, names, now, days }: { stats: Stats; events: AuditEvent[]; names: AuditNames; now: number; days: DayStats[] }) {
  return (
    <div class="space-y-6">
      <AdminHeader tab="overview" title={TEXT.overview.heading}>
        <a href="/admin/users" class={buttonClass("primary")}>
          {TEXT.overview.manageUsers}
        </a>
      </AdminHeader>
      <div class="grid grid-cols-2 gap-4 lg:grid-cols-3">
        <StatTile label={TEXT.overview.tiles.users} value={stats.total_users} hint={TEXT.overview.tiles.newThisWeek(stats.signups_7d)} href="/admin/users" />
        <StatTile label={TEXT.overview.tiles.verified} value={stats.verified_users} href="/admin/users?email_verified=true" />
        <StatTile label={TEXT.overview.tiles.admins} value={stats.admin_users} href="/admin/users?role=admin" />
        <StatTile label={TEXT.overview.tiles.disabled} value={stats.disabled_users} href="/admin/users?status=disabled" />
        <StatTile label={TEXT.overview.tiles.activeSessions} value={stats.active_sessions} />
        <StatTile label={TEXT.overview.tiles.signups} value={stats.signups_7d} href="/admin/users?sort=-created_at" />
      </div>
      <Card title={TEXT.overview.activity.title} description={TEXT.overview.activity.description}>
        <ActivityCharts days={days} />
      </Card>
      <Card title={TEXT.overview.recent.title}>
        <AuditList events={events} names={names} now={now} />
        <a href="/admin/audit" class="mt-4 inline-block text-sm font-semibold text-blue-600 hover:underline dark:text-blue-400">
          {TEXT.overview.recent.openLog}
        </a>
      </Card>
    </div>
  );
}
