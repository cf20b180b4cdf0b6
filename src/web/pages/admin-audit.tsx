/** The audit log: who did what to whom, from where, newest first; and the admin overview. */
import type { AuditEvent } from "../../db/schema";
import type { Stats } from "../../modules/admin/service";
import { AUDIT_ACTIONS } from "../../modules/audit/service";
import { Pagination, Table, Td, Th } from "../components/table";
import { attr, Badge, type BadgeColor, buttonClass, Card, EmptyState } from "../components/ui";
import { formatDateTime, timeAgo } from "../format";
import { AdminHeader, StatTile } from "./admin-shell";

function actionColor(action: string): BadgeColor {
  if (action.startsWith("admin_")) return "violet";
  if (action.includes("failed") || action.includes("reuse")) return "red";
  if (action.startsWith("password")) return "amber";
  if (action === "login" || action === "register" || action === "email_verified") return "green";
  return "gray";
}

const actionLabel = (action: string) => action.replaceAll("_", " ");

/** A user id as its name when the account still exists, else a short id. */
function Who({ id, names }: { id: string | null; names: Map<string, string> }) {
  if (!id) return <span class="text-slate-400">—</span>;
  const name = names.get(id);
  return (
    <a href={attr(`/admin/users/${id}`)} class="font-medium text-slate-900 hover:text-blue-600 hover:underline dark:text-slate-100 dark:hover:text-blue-400" safe>
      {name ?? `${id.slice(0, 8)}… (deleted)`}
    </a>
  );
}

function detailsText(details: Record<string, unknown>): string {
  const text = JSON.stringify(details);
  return text === "{}" ? "" : text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** A compact list for the overview and a user's page. */
export function AuditList({ events, names, now }: { events: AuditEvent[]; names: Map<string, string>; now: number }) {
  if (events.length === 0) return <EmptyState title="No activity yet" />;
  return (
    <ul class="divide-y divide-slate-100 dark:divide-slate-800">
      {events.map((event) => (
        <li class="flex flex-wrap items-center gap-x-3 gap-y-1 py-2.5 text-sm">
          <Badge color={actionColor(event.action)} text={actionLabel(event.action)} />
          <span class="text-slate-600 dark:text-slate-300">
            by <Who id={event.actorId} names={names} />
            {event.targetId && event.targetId !== event.actorId ? (
              <>
                {" "}
                on <Who id={event.targetId} names={names} />
              </>
            ) : (
              ""
            )}
          </span>
          <time class="ml-auto text-xs text-slate-500 dark:text-slate-400" datetime={event.createdAt.toISOString()} safe>
            {timeAgo(event.createdAt, now)}
          </time>
        </li>
      ))}
    </ul>
  );
}

export interface AuditFilters {
  action: string;
  user_id: string;
  page: number;
  per_page: number;
}

export function auditUrl(filters: AuditFilters, page = filters.page): string {
  const params = new URLSearchParams();
  if (filters.action) params.set("action", filters.action);
  if (filters.user_id) params.set("user_id", filters.user_id);
  if (filters.per_page !== 25) params.set("per_page", String(filters.per_page));
  if (page > 1) params.set("page", String(page));
  const query = params.toString();
  return query ? `/admin/audit?${query}` : "/admin/audit";
}

export interface AuditResultProps {
  events: AuditEvent[];
  names: Map<string, string>;
  total: number;
  totalPages: number;
  filters: AuditFilters;
  now: number;
  error?: string;
}

/** What the filters and paging swap into #audit-results (its container stays: a stable live region). */
export function AuditResultsContent({ events, names, total, totalPages, filters }: AuditResultProps) {
  const head = (
    <>
      <Th>When</Th>
      <Th>Action</Th>
      <Th>Actor</Th>
      <Th>Target</Th>
      <Th class="hidden md:table-cell">IP</Th>
      <Th class="hidden lg:table-cell">Details</Th>
    </>
  );
  return (
    <>
      {events.length === 0 ? (
        <EmptyState title="No events match" text="Try another action or clear the filters." />
      ) : (
        <Table head={head} label="Audit events">
          {events.map((event) => (
            <tr>
              <Td class="whitespace-nowrap text-slate-500 dark:text-slate-400">
                <time datetime={event.createdAt.toISOString()} safe>
                  {formatDateTime(event.createdAt)}
                </time>
              </Td>
              <Td>
                <Badge color={actionColor(event.action)} text={actionLabel(event.action)} />
              </Td>
              <Td>
                <Who id={event.actorId} names={names} />
              </Td>
              <Td>
                <Who id={event.targetId} names={names} />
              </Td>
              <Td class="hidden whitespace-nowrap text-slate-500 md:table-cell dark:text-slate-400">
                <span safe>{event.ip ?? "—"}</span>
              </Td>
              <Td class="hidden max-w-72 truncate font-mono text-xs text-slate-500 lg:table-cell dark:text-slate-400">
                <span safe>{detailsText(event.details)}</span>
              </Td>
            </tr>
          ))}
        </Table>
      )}
      <Pagination page={filters.page} totalPages={totalPages} total={total} perPage={filters.per_page} noun={total === 1 ? "event" : "events"} hrefFor={(page) => auditUrl(filters, page)} hx={{ target: "#audit-results" }} />
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

export function AuditPage(props: AuditResultProps) {
  const { filters } = props;
  return (
    <div>
      <AdminHeader tab="audit" title="Audit log" />
      <div class="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <form method="get" action="/admin/audit" class="grid gap-3 sm:grid-cols-[1fr_2fr_auto] sm:items-end" {...live}>
          <div class="space-y-1.5">
            <label for="audit-action" class="block text-xs font-medium text-slate-600 dark:text-slate-400">
              Action
            </label>
            <select id="audit-action" name="action" class="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950" {...live} hx-trigger="change">
              <option value="">All actions</option>
              {AUDIT_ACTIONS.map((action) => (
                <option value={action} selected={action === filters.action} safe>
                  {actionLabel(action)}
                </option>
              ))}
            </select>
          </div>
          <div class="space-y-1.5">
            <label for="audit-user" class="block text-xs font-medium text-slate-600 dark:text-slate-400">
              User id
            </label>
            <input
              id="audit-user"
              name="user_id"
              value={attr(filters.user_id)}
              placeholder="Any user"
              autocomplete="off"
              aria-invalid={props.error ? "true" : undefined}
              aria-describedby={props.error ? "audit-user-error" : undefined}
              class="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950"
            />
            {props.error ? (
              <p id="audit-user-error" class="text-xs font-medium text-red-600 dark:text-red-400" safe>
                {props.error}
              </p>
            ) : (
              ""
            )}
          </div>
          {filters.per_page !== 25 ? <input type="hidden" name="per_page" value={String(filters.per_page)} /> : ""}
          <button type="submit" class={buttonClass("secondary")}>
            Apply
          </button>
        </form>
        <AuditResults {...props} />
      </div>
    </div>
  );
}

export function OverviewPage({ stats, events, names, now }: { stats: Stats; events: AuditEvent[]; names: Map<string, string>; now: number }) {
  return (
    <div class="space-y-6">
      <AdminHeader tab="overview" title="Overview">
        <a href="/admin/users" class={buttonClass("primary")}>
          Manage users
        </a>
      </AdminHeader>
      <div class="grid grid-cols-2 gap-4 lg:grid-cols-3">
        <StatTile label="Users" value={stats.total_users} hint={`${stats.signups_7d} new in the last 7 days`} />
        <StatTile label="Verified" value={stats.verified_users} />
        <StatTile label="Admins" value={stats.admin_users} />
        <StatTile label="Disabled" value={stats.disabled_users} />
        <StatTile label="Active sessions" value={stats.active_sessions} />
        <StatTile label="Sign-ups, 7 days" value={stats.signups_7d} />
      </div>
      <Card title="Recent activity">
        <AuditList events={events} names={names} now={now} />
        <a href="/admin/audit" class="mt-4 inline-block text-sm font-semibold text-blue-600 hover:underline dark:text-blue-400">
          Open the audit log
        </a>
      </Card>
    </div>
  );
}
