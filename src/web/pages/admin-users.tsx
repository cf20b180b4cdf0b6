/** The users table: live search, filters, sorting and pagination that keep the URL in step. */
import type { ListedUser } from "../../modules/admin/view";
import { Pagination, type SortDirection, SortableTh, Table, Td, Th } from "../components/table";
import { Alert, attr, buttonClass, cx, EmptyState, type Notice } from "../components/ui";
import { Time } from "../components/time";
import { AdminHeader, ExportCsvLink, RoleBadge, StatusBadge, VerifiedBadge } from "./admin-shell";
import { BulkBar, BulkCheckbox } from "./admin-bulk";

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
  filters: {
    search: "Search",
    searchPlaceholder: "Username or email",
    apply: "Apply",
    // "Clear filters", with the second word hidden on a phone (still read out by a screen reader).
    clear: (wide: (words: string) => JSX.Element) => <>Clear{wide(" filters")}</>,
    role: { label: "Role", any: "All roles", user: "User", admin: "Admin" },
    status: { label: "Status", any: "Any status", active: "Active", disabled: "Disabled" },
    email: { label: "Email", any: "Any email", verified: "Verified", unverified: "Unverified" },
    mfa: { label: "Two-step", any: "Any two-step", on: "Two-step on", off: "Two-step off" },
  },
  sort: {
    label: "Sort",
    newest: "Newest first",
    oldest: "Oldest first",
    usernameAz: "Username A–Z",
    usernameZa: "Username Z–A",
    emailAz: "Email A–Z",
    emailZa: "Email Z–A",
    recentSignIn: "Recently signed in",
    leastRecentSignIn: "Least recently signed in",
  },
  columns: { select: "Select", user: "User", email: "Email", status: "Status", joined: "Joined", lastSignIn: "Last sign-in" },
  never: "Never",
  tableLabel: "Users",
  noun: (count: number) => (count === 1 ? "user" : "users"),
  pastTheEnd: { title: "Nothing on this page", text: "The list is shorter than this page number." },
  noMatch: { title: "No users match", text: "Try another search or clear the filters." },
  pageSizes: { label: "Users per page", lead: "Per page:", size: (size: number) => `${size} per page` },
} as const;

export interface UserFilters {
  search: string;
  role: string;
  status: string;
  email_verified: string;
  has_mfa: string;
  sort: string;
  page: number;
  per_page: number;
}

export const SORTS = [
  { value: "-created_at", label: TEXT.sort.newest },
  { value: "created_at", label: TEXT.sort.oldest },
  { value: "username", label: TEXT.sort.usernameAz },
  { value: "-username", label: TEXT.sort.usernameZa },
  { value: "email", label: TEXT.sort.emailAz },
  { value: "-email", label: TEXT.sort.emailZa },
  { value: "-last_login_at", label: TEXT.sort.recentSignIn },
  { value: "last_login_at", label: TEXT.sort.leastRecentSignIn },
] as const;

export const DEFAULT_SORT = "-created_at";
export const DEFAULT_PER_PAGE = 20;
/** The page sizes offered; a URL may ask for any size from 1 to 100. */
export const PAGE_SIZES = [10, 20, 50, 100] as const;

/** The URL of a users list, keeping only the filters that are set. */
export function usersUrl(filters: UserFilters, page = filters.page, sort = filters.sort): string {
  const params = new URLSearchParams();
  for (const key of ["search", "role", "status", "email_verified", "has_mfa"] as const) if (filters[key]) params.set(key, filters[key]);
  if (sort !== DEFAULT_SORT) params.set("sort", sort);
  if (filters.per_page !== DEFAULT_PER_PAGE) params.set("per_page", String(filters.per_page));
  if (page > 1) params.set("page", String(page));
  const query = params.toString();
  return query ? `/admin/users?${query}` : "/admin/users";
}

/** The CSV of every user the filters match (all pages). */
const exportUrl = (filters: UserFilters) => usersUrl({ ...filters, page: 1 }).replace("/admin/users", "/admin/users/export");

const RESULTS = "#users-results";


const selectClass =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 dark:focus-visible:ring-blue-400 dark:border-slate-700 dark:bg-slate-950";

/** Every control asks for the results with the whole form, so filters combine. The results
 * container stays in place (a stable live region) and only its content is swapped. */
const liveControl = (trigger: string) => ({
  "hx-get": "/admin/users",
  "hx-trigger": trigger,
  "hx-target": RESULTS,
  "hx-push-url": "true",
  "hx-include": "closest form",
  // One request at a time, then only the newest waiting one: a slow answer never lands after a
  // newer one (and nothing is aborted, which htmx would log as an error).
  "hx-sync": "#user-filters:queue last",
});

interface SelectProps {
  name: string;
  label: string;
  value: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  /** Sent out of band with a results fragment, to replace the select already on the page. */
  oob?: boolean;
}

function Select({ name, label, value, options, oob }: SelectProps) {
  return (
    <div id={`filter-${name}-field`} class="col-span-2 min-w-0 space-y-1 sm:col-span-1" hx-swap-oob={oob ? "true" : undefined}>
      <label for={`filter-${name}`} class="block text-xs font-medium text-slate-600 dark:text-slate-400" safe>
        {label}
      </label>
      <select id={`filter-${name}`} name={name} class={selectClass} {...liveControl("change")}>
        {options.map((option) => (
          <option value={option.value} selected={option.value === value} safe>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The sort menu (the column headers do the same on wider screens). */
export function SortSelect({ filters, oob }: { filters: UserFilters; oob?: boolean }) {
  return <Select name="sort" label={TEXT.sort.label} value={filters.sort} options={SORTS} oob={oob} />;
}

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

export function FiltersForm({ filters }: { filters: UserFilters }) {
  return (
    // Three selects a row even on a phone: the filters take two rows, and the first user is on screen.
    <form id="user-filters" method="get" action="/admin/users" role="search" class="grid grid-cols-6 gap-x-2 gap-y-2 sm:grid-cols-5 sm:gap-x-3 lg:grid-cols-[3fr_1fr_1fr_1fr_1fr_1fr] lg:items-end" {...liveControl("submit")}>
      <div class="col-span-6 space-y-1 sm:col-span-5 lg:col-span-1">
        <label for="filter-search" class="block text-xs font-medium text-slate-600 dark:text-slate-400">
          {TEXT.filters.search}
        </label>
        <div class="flex items-center gap-2">
          <input
            id="filter-search"
            type="search"
            name="search"
            value={attr(filters.search)}
            placeholder={TEXT.filters.searchPlaceholder}
            autocomplete="off"
            maxlength={200}
            class={cx(selectClass, "min-w-0 flex-1")}
            {...liveControl("input changed delay:300ms")}
          />
          <button type="submit" class={buttonClass("secondary")}>
            {TEXT.filters.apply}
          </button>
          <a href="/admin/users" class={buttonClass("ghost", "whitespace-nowrap px-2")}>
            {TEXT.filters.clear((words) => <span class="max-sm:sr-only" safe>{words}</span>) as "safe"}
          </a>
        </div>
      </div>
      <Select name="role" label={TEXT.filters.role.label} value={filters.role} options={[{ value: "", label: TEXT.filters.role.any }, { value: "user", label: TEXT.filters.role.user }, { value: "admin", label: TEXT.filters.role.admin }]} />
      <Select name="status" label={TEXT.filters.status.label} value={filters.status} options={[{ value: "", label: TEXT.filters.status.any }, { value: "active", label: TEXT.filters.status.active }, { value: "disabled", label: TEXT.filters.status.disabled }]} />
      <Select name="email_verified" label={TEXT.filters.email.label} value={filters.email_verified} options={[{ value: "", label: TEXT.filters.email.any }, { value: "true", label: TEXT.filters.email.verified }, { value: "false", label: TEXT.filters.email.unverified }]} />
      <Select name="has_mfa" label={TEXT.filters.mfa.label} value={filters.has_mfa} options={[{ value: "", label: TEXT.filters.mfa.any }, { value: "true", label: TEXT.filters.mfa.on }, { value: "false", label: TEXT.filters.mfa.off }]} />
      <SortSelect filters={filters} />
      {filters.per_page !== DEFAULT_PER_PAGE ? <input type="hidden" name="per_page" value={String(filters.per_page)} /> : ""}
    </form>
  );
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
