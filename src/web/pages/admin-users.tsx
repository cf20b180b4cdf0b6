/** The users table: live search, filters, sorting and pagination that keep the URL in step. */
import type { ListedUser } from "../../modules/admin/view";
import { Pagination, type SortDirection, SortableTh, Table, Td, Th } from "../components/table";
import { Alert, attr, buttonClass, cx, EmptyState, type Notice } from "../components/ui";
import { Time } from "../components/time";
import { AdminHeader, ExportCsvLink, RoleBadge, StatusBadge, VerifiedBadge } from "./admin-shell";
import { BulkBar, BulkCheckbox } from "./admin-bulk";

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
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "username", label: "Username A–Z" },
  { value: "-username", label: "Username Z–A" },
  { value: "email", label: "Email A–Z" },
  { value: "-email", label: "Email Z–A" },
  { value: "-last_login_at", label: "Recently signed in" },
  { value: "last_login_at", label: "Least recently signed in" },
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
  return <Select name="sort" label="Sort" value={filters.sort} options={SORTS} oob={oob} />;
}

/** Sortable columns: the field, and the direction a first click sorts in. */
const COLUMNS = {
  username: { label: "User", first: "username" },
  email: { label: "Email", first: "email" },
  created_at: { label: "Joined", first: "-created_at" },
  last_login_at: { label: "Last sign-in", first: "-last_login_at" },
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
          Search
        </label>
        <div class="flex items-center gap-2">
          <input
            id="filter-search"
            type="search"
            name="search"
            value={attr(filters.search)}
            placeholder="Username or email"
            autocomplete="off"
            maxlength={200}
            class={cx(selectClass, "min-w-0 flex-1")}
            {...liveControl("input changed delay:300ms")}
          />
          <button type="submit" class={buttonClass("secondary")}>
            Apply
          </button>
          <a href="/admin/users" class={buttonClass("ghost", "whitespace-nowrap px-2")}>
            Clear<span class="max-sm:sr-only"> filters</span>
          </a>
        </div>
      </div>
      <Select name="role" label="Role" value={filters.role} options={[{ value: "", label: "All roles" }, { value: "user", label: "User" }, { value: "admin", label: "Admin" }]} />
      <Select name="status" label="Status" value={filters.status} options={[{ value: "", label: "Any status" }, { value: "active", label: "Active" }, { value: "disabled", label: "Disabled" }]} />
      <Select name="email_verified" label="Email" value={filters.email_verified} options={[{ value: "", label: "Any email" }, { value: "true", label: "Verified" }, { value: "false", label: "Unverified" }]} />
      <Select name="has_mfa" label="Two-step" value={filters.has_mfa} options={[{ value: "", label: "Any two-step" }, { value: "true", label: "Two-step on" }, { value: "false", label: "Two-step off" }]} />
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
        {user.lastLoginAt ? <Time at={user.lastLoginAt} as="relative" now={now} /> : "Never"}
      </Td>
    </tr>
  );
}

/** The page-size choice: links (they work without JavaScript), back to page 1 with the filters kept. */
function PageSizes({ filters }: { filters: UserFilters }) {
  return (
    <nav aria-label="Users per page" class="flex flex-wrap items-center justify-center gap-1 pt-2 text-sm text-slate-500 sm:justify-end dark:text-slate-400">
      <span>Per page:</span>
      {PAGE_SIZES.map((size) => {
        const href = usersUrl({ ...filters, per_page: size }, 1);
        return size === filters.per_page ? (
          <span aria-current="true" class="rounded px-2 py-0.5 font-semibold text-slate-900 dark:text-white" safe>
            {String(size)}
          </span>
        ) : (
          <a href={attr(href)} hx-get={attr(href)} hx-target={RESULTS} hx-push-url="true" class="rounded px-2 py-0.5 text-blue-600 hover:underline dark:text-blue-400" aria-label={attr(`${size} per page`)} safe>
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
        <span class="sr-only">Select</span>
      </Th>
      <ColumnHeader column="username" filters={filters} />
      <ColumnHeader column="email" filters={filters} class="hidden sm:table-cell" />
      <Th>Status</Th>
      <ColumnHeader column="created_at" filters={filters} class="hidden md:table-cell" />
      <ColumnHeader column="last_login_at" filters={filters} class="hidden lg:table-cell" />
    </>
  );
  return (
    <>
      {users.length === 0 ? (
        total > 0 ? <EmptyState title="Nothing on this page" text="The list is shorter than this page number." /> : <EmptyState title="No users match" text="Try another search or clear the filters." />
      ) : (
        <Table head={head} label="Users">
          {users.map((user) => (
            <UserRow user={user} now={now} />
          ))}
        </Table>
      )}
      <Pagination page={filters.page} totalPages={totalPages} total={total} perPage={filters.per_page} noun={total === 1 ? "user" : "users"} moreThan={moreThan} shown={users.length} hrefFor={(page) => usersUrl(filters, page)} hx={{ target: RESULTS }} />
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
      <AdminHeader tab="users" title="Users">
        <div class="flex flex-wrap gap-2">
          <ExportCsvLink href={exportUrl(props.filters)} />
          <a href="/admin/users/new" class={buttonClass("primary")}>
            New user
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
