/**
 * Bulk actions on the users list: checkboxes in the table belong to one form outside it (the
 * HTML `form` attribute), so paging and filtering by htmx never lose the form; the destructive
 * actions are confirmed on a page listing who is affected; the results come per row.
 */
import Html from "@kitajs/html";
import type { User } from "../../db/schema";
import type { BulkAction, BulkResult } from "../../modules/admin/manage";
import { Table, Td, Th } from "../components/table";
import { attr, Badge, Button, buttonClass, Card, CsrfField } from "../components/ui";
import { AdminHeader } from "./admin-shell";

/** Every word of the bulk bar on the users list, the bulk confirmation and the results (docs/pages.md). */
export const TEXT = {
  /** Per action: its name in the menu, the verb of the confirmation, a done row's badge. */
  actions: {
    disable: { option: "Disable", verb: "Disable", done: "Disabled" },
    enable: { option: "Enable", verb: "Enable", done: "Enabled" },
    logout_all: { option: "Sign out everywhere", verb: "Sign out", done: "Signed out everywhere" },
    delete: { option: "Delete", verb: "Delete", done: "Deleted" },
  } satisfies Record<BulkAction, { option: string; verb: string; done: string }>,
  select: (username: string) => `Select ${username}`,
  bar: { label: "With the selected users", apply: "Apply to selected" },
  confirm: {
    title: "Please confirm",
    heading: (verb: string, count: number) => `${verb} ${count} ${count === 1 ? "user" : "users"}?`,
    missing: (count: number) => `${count} selected ${count === 1 ? "account no longer exists" : "accounts no longer exist"}`,
    deleteWarning: "Deleting cannot be undone. The audit history stays.",
    button: (verb: string, count: number) => `${verb} ${count === 1 ? "this user" : `these ${count} users`}`,
    cancel: "Cancel",
  },
  results: {
    title: "Bulk action",
    heading: (option: string, done: number, total: number) => `${option}: ${done} of ${total} done`,
    back: "Back to users",
    tableLabel: "Results",
    user: "User",
    result: "Result",
    /** Why a row was not done, by the service's code; an unknown code is shown as it is. */
    refusals: {
      not_found: "Not found: the account no longer exists",
      last_admin: "Refused: the last active admin must stay",
      cannot_modify_self: "Refused: that is your own account",
    } as Record<string, string>,
    refused: (code: string) => `Refused (${code})`,
    // Stands for the code of a refusal that came without one.
    noCode: "error",
  },
} as const;

export const BULK_FORM = "bulk-form";
export const idField = (id: string) => `id_${id}`;

/** The actions' words, and which ones are confirmed first. */
export const BULK_LABELS: Record<BulkAction, { option: string; verb: string; done: string; destructive: boolean }> = {
  disable: { ...TEXT.actions.disable, destructive: true },
  enable: { ...TEXT.actions.enable, destructive: false },
  logout_all: { ...TEXT.actions.logout_all, destructive: true },
  delete: { ...TEXT.actions.delete, destructive: true },
};

export function BulkCheckbox({ user }: { user: Pick<User, "id" | "username"> }) {
  return <input type="checkbox" name={attr(idField(user.id))} form={BULK_FORM} aria-label={attr(TEXT.select(user.username))} class="size-4 rounded border-slate-300" />;
}

/** The form the row checkboxes belong to. */
export function BulkBar({ csrfToken }: { csrfToken: string }) {
  return (
    <form id={BULK_FORM} method="post" action="/admin/users/bulk" class="flex flex-wrap items-end gap-2">
      <CsrfField token={csrfToken} />
      <div class="space-y-1">
        <label for="bulk-action" class="block text-xs font-medium text-slate-600 dark:text-slate-400">
          {TEXT.bar.label}
        </label>
        <select id="bulk-action" name="action" class="block rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950">
          {Object.entries(BULK_LABELS).map(([value, label]) => (
            <option value={value} safe>
              {label.option}
            </option>
          ))}
        </select>
      </div>
      <Button variant="secondary">{TEXT.bar.apply}</Button>
    </form>
  );
}

/** Who a destructive bulk action will touch, and the real POST. */
export function BulkConfirmPage({ action, users, missing, csrfToken }: { action: BulkAction; users: User[]; missing: number; csrfToken: string }) {
  const label = BULK_LABELS[action];
  const count = users.length + missing;
  return (
    <Card title={TEXT.confirm.heading(label.verb, count)} danger>
      <ul class="list-disc space-y-1 pl-5 text-sm">
        {users.map((user) => (
          <li class="break-all" safe>{`${user.username} (${user.email})`}</li>
        ))}
        {missing > 0 ? <li safe>{TEXT.confirm.missing(missing)}</li> : ""}
      </ul>
      {action === "delete" ? <p class="mt-4 text-sm text-slate-600 dark:text-slate-300">{TEXT.confirm.deleteWarning}</p> : ""}
      <form method="post" action="/admin/users/bulk" class="mt-6 flex flex-wrap gap-3">
        <CsrfField token={csrfToken} />
        <input type="hidden" name="action" value={action} />
        <input type="hidden" name="confirmed" value="yes" />
        {users.map((user) => (
          <input type="hidden" name={attr(idField(user.id))} value="on" />
        ))}
        <Button variant="danger">{Html.escapeHtml(TEXT.confirm.button(label.verb, count))}</Button>
        <a href="/admin/users" class={buttonClass("secondary")}>
          {TEXT.confirm.cancel}
        </a>
      </form>
    </Card>
  );
}

/** One row per selected id: done, or why not. */
export function BulkResultsPage({ action, results, names }: { action: BulkAction; results: BulkResult[]; names: Map<string, string> }) {
  const done = results.filter((row) => row.ok).length;
  return (
    <div>
      <AdminHeader tab="users" title={TEXT.results.heading(BULK_LABELS[action].option, done, results.length)}>
        <a href="/admin/users" class={buttonClass("secondary")}>
          {TEXT.results.back}
        </a>
      </AdminHeader>
      <Table label={TEXT.results.tableLabel} head={<><Th>{TEXT.results.user}</Th><Th>{TEXT.results.result}</Th></>}>
        {results.map((row) => (
          <tr>
            <Td class="break-all">
              <span safe>{names.get(row.id) ?? row.id}</span>
            </Td>
            <Td>{row.ok ? <Badge color="green" text={BULK_LABELS[action].done} /> : <Badge color="red" text={TEXT.results.refusals[row.code ?? ""] ?? TEXT.results.refused(row.code ?? TEXT.results.noCode)} />}</Td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
