/** The users table: results, sorting by column, pagination and page sizes that keep the URL in step (the filters are in admin-user-filters.tsx). */
import type { ListedUser } from "../../modules/admin/view";
import { Pagination, type SortDirection, SortableTh, Table, Td, Th } from "../components/table";
import { Alert, attr, buttonClass, EmptyState, type Notice } from "../components/ui";
import { Time } from "../components/time";
import { AdminHeader, ExportCsvLink, RoleBadge, StatusBadge, VerifiedBadge } from "./admin-shell";
import { BulkBar, BulkCheckbox } from "./admin-bulk";
import { FiltersForm, PAGE_SIZES, RESULTS, SortSelect, type UserFilters, usersUrl } from "./admin-user-filters";

/**
 * Every word of /admin/users, its title and the notices a `?notice=key` redirect to it names, in
 * one place for a translation (docs/pages.md). The user's own page has its words in admin-user.tsx.
 */
export const TEXT = {
  title: "Users",
  heading: "Users",
  newUser: "New user",
  notices: {
    deleted: { tone: "success", text: "The user has been deleted." },
    "none-selected": { tone: "info", text: "Nothing was done: tick at least one user, then choose what to do with them." },
  } satisfies Record<string, Notice>,
  columns: { select: "Select", user: "User", email: "Email", status: "Status", joined: "Joined", lastSignIn: "Last sign-in" },
  never: "Never",
  tableLabel: "Users",
  noun: (count: number) => (count === 1 ? "user" : "users"),
  pastTheEnd: { title: "Nothing on this page", text: "The list is shorter than this page number." },
  noMatch: { title: "No users match", text: "Try another search or clear the filters." },
  pageSizes: { label: "Users per page", lead: "Per page:", size: (size: number) => `${size} per page` },
} as const;

/** The CSV of every user the filters match (all pages). */
const exportUrl = (filters: UserFilters) => usersUrl({ ...filters, page: 1 }).replace("/admin/users", "/admin/users/export");

/** Sortable columns: the field, and the direction a first click sorts in. */
const COLUMNS = {
  username: { label: TEXT.columns.user, first: "username" },
  email: { label: TEXT.columns.email, first: "email" },
  created_at: { label: TEXT.columns.joined, first: "-created_at" },
  last_login_at: { label: TEXT.columns.lastSignIn, first: "-last_login_at" },
} as const;
type Column = keyof typeof COLUMNS;

function sortState(sort: string): { field: string; direction: SortDirection } {
  return { field: sort.replace(/^-/, ""), direction: sort.startsWith("-") ? "descending" : "ascending" };
}

/** A header for a column: the active one flips its direction, another starts in its natural one (back to page 1). */
function ColumnHeader({ column, filters, class: extra }: { column: Column; filters: UserFilters; class?: string }) {
  const current = sortState(filters.sort);
  const active = current.field === column;
  const next = active ? (current.direction === "ascending" ? `-${column}` : column) : COLUMNS[column].first;
  return <SortableTh label={COLUMNS[column].label} href={usersUrl(filters, 1, next)} direction={active ? current.direction : undefined} hx={{ target: RESULTS }} class={extra} />;
}

/**
 * Long names and addresses wrap or are cut with an ellipsis inside a width cap (the full value
 * in the title), so at tablet width the table fits instead of pushing columns off-screen.
 */
function UserRow({ user, now }: { user: ListedUser; now: number }) {
  return (
    <tr class="hover:bg-slate-50 dark:hover:bg-slate-800/40">
      <Td class="w-8 pr-0">
        <BulkCheckbox user={user} />
      </Td>
      <Td>
        <div class="max-w-40 break-all lg:max-w-56">
          <a href={attr(`/admin/users/${user.id}`)} class="font-medium text-slate-900 hover:text-blue-600 hover:underline dark:text-white dark:hover:text-blue-400" safe>
            {user.username}
          </a>
        </div>
        <p class="max-w-48 text-xs break-all text-slate-500 sm:hidden dark:text-slate-400" safe>
          {user.email}
        </p>
      </Td>
      <Td class="hidden text-slate-600 sm:table-cell dark:text-slate-300">
        <div class="max-w-40 truncate lg:max-w-64" title={attr(user.email)} safe>
          {user.email}
        </div>
      </Td>
      <Td>
        <div class="flex flex-wrap gap-1">
          <RoleBadge user={user} />
          <StatusBadge user={user} />
          <VerifiedBadge user={user} />
        </div>
      </Td>
      <Td class="hidden whitespace-nowrap text-slate-500 md:table-cell dark:text-slate-400">
        <Time at={user.createdAt} as="date" />
      </Td>
      <Td class="hidden whitespace-nowrap text-slate-500 lg:table-cell dark:text-slate-400">
        {user.lastLoginAt ? <Time at={user.lastLoginAt} as="relative" now={now} /> : TEXT.never}
      </Td>
    </tr>
  );
}

/** The page-size choice: links (they work without JavaScript), back to page 1 with the filters kept. */
function PageSizes({ filters }: { filters: UserFilters }) {
  return (
    <nav aria-label={TEXT.pageSizes.label} class="flex flex-wrap items-center justify-center gap-1 pt-2 text-sm text-slate-500 sm:justify-end dark:text-slate-400">
      <span>{TEXT.pageSizes.lead}</span>
      {PAGE_SIZES.map((size) => {
        const href = usersUrl({ ...filters, per_page: size }, 1);
        return size === filters.per_page ? (
          <span aria-current="true" class="rounded px-2 py-0.5 font-semibold text-slate-900 dark:text-white" safe>
            {String(size)}
          </span>
        ) : (
          <a href={attr(href)} hx-get={attr(href)} hx-target={RESULTS} hx-push-url="true" class="rounded px-2 py-0.5 text-blue-600 hover:underline dark:text-blue-400" aria-label={attr(TEXT.pageSizes.size(size))} safe>
            {String(size)}
          </a>
        );
      })}
    </nav>
  );
}

export interface UsersResultProps {
  users: ListedUser[];
  total: number;
  totalPages: number;
  /** Set when the total is an estimate: more than this many users match. */
  moreThan?: number;
  filters: UserFilters;
  now: number;
}

/** What live search, filters, sorting and paging swap into #users-results; the URL follows (hx-push-url). */
export function UsersResultsContent({ users, total, totalPages, moreThan, filters, now }: UsersResultProps) {
  const head = (
    <>
      <Th class="w-8 pr-0">
        <span class="sr-only">{TEXT.columns.select}</span>
      </Th>
      <ColumnHeader column="username" filters={filters} />
      <ColumnHeader column="email" filters={filters} class="hidden sm:table-cell" />
      <Th>{TEXT.columns.status}</Th>
      <ColumnHeader column="created_at" filters={filters} class="hidden md:table-cell" />
      <ColumnHeader column="last_login_at" filters={filters} class="hidden lg:table-cell" />
    </>
  );
  return (
    <>
      {users.length === 0 ? (
        total > 0 ? <EmptyState title={TEXT.pastTheEnd.title} text={TEXT.pastTheEnd.text} /> : <EmptyState title={TEXT.noMatch.title} text={TEXT.noMatch.text} />
      ) : (
        <Table head={head} label={TEXT.tableLabel}>
          {users.map((user) => (
            <UserRow user={user} now={now} />
          ))}
        </Table>
      )}
      <Pagination page={filters.page} totalPages={totalPages} total={total} perPage={filters.per_page} noun={TEXT.noun(total)} moreThan={moreThan} shown={users.length} hrefFor={(page) => usersUrl(filters, page)} hx={{ target: RESULTS }} />
      <PageSizes filters={filters} />
    </>
  );
}

/** The results in their container, as the whole page has them. */
export function UsersResults(props: UsersResultProps) {
  return (
    <div id="users-results" aria-live="polite">
      <UsersResultsContent {...props} />
    </div>
  );
}

/**
 * The fragment for an htmx request: the new results, plus the sort menu out of band so it shows
 * the order a column header chose (left alone when the menu itself asked, to keep its focus).
 */
export function UsersResultsFragment(props: UsersResultProps & { syncSort: boolean }) {
  return (
    <>
      <UsersResultsContent {...props} />
      {props.syncSort ? <SortSelect filters={props.filters} oob /> : ""}
      <ExportCsvLink href={exportUrl(props.filters)} oob />
    </>
  );
}

export function UsersPage(props: UsersResultProps & { notice?: Notice; csrfToken: string }) {
  return (
    <div>
      <AdminHeader tab="users" title={TEXT.heading}>
        <div class="flex flex-wrap gap-2">
          <ExportCsvLink href={exportUrl(props.filters)} />
          <a href="/admin/users/new" class={buttonClass("primary")}>
            {TEXT.newUser}
          </a>
        </div>
      </AdminHeader>
      {props.notice ? (
        <div class="mb-4">
          <Alert {...props.notice} />
        </div>
      ) : (
        ""
      )}
      <div class="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <FiltersForm filters={props.filters} />
        <UsersResults {...props} />
        <BulkBar csrfToken={props.csrfToken} />
      </div>
    </div>
  );
}
