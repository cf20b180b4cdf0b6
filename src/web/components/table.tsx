/** Tables and pagination. Links are real URLs (they work without JavaScript); htmx upgrades them. */
import type { PropsWithChildren } from "@kitajs/html";
import { attr, cx } from "./ui";
import { formatNumber } from "../format";

export function Table({ children, head, label }: PropsWithChildren<{ head: JSX.Element; label: string }>) {
  return (
    <div class="-mx-5 overflow-x-auto sm:mx-0 sm:rounded-xl sm:border sm:border-slate-200 dark:sm:border-slate-800">
      <table class="min-w-full divide-y divide-slate-200 text-left text-sm dark:divide-slate-800" aria-label={attr(label)}>
        <thead class="bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-900/60 dark:text-slate-400">
          <tr>{head as "safe"}</tr>
        </thead>
        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{children as "safe"}</tbody>
      </table>
    </div>
  );
}

export function Th({ children, class: extra }: PropsWithChildren<{ class?: string }>) {
  return (
    <th scope="col" class={cx("whitespace-nowrap px-4 py-3", extra)}>
      {children as "safe"}
    </th>
  );
}

export type SortDirection = "ascending" | "descending";

/**
 * A column header that sorts: a real link (works without JavaScript) that htmx upgrades to swap
 * only the results and push the URL. The active column carries aria-sort.
 */
export function SortableTh({ label, href, direction, hx, class: extra }: { label: string; href: string; direction?: SortDirection; hx?: HxTarget; class?: string }) {
  const arrow = direction === "ascending" ? "↑" : direction === "descending" ? "↓" : "↕";
  return (
    <th scope="col" aria-sort={direction} class={cx("whitespace-nowrap px-4 py-3", extra)}>
      <a
        href={attr(href)}
        hx-get={hx ? attr(href) : undefined}
        hx-target={hx?.target}
        hx-push-url={hx ? "true" : undefined}
        class={cx(
          "-mx-1 inline-flex items-center gap-1 rounded px-1 uppercase hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-blue-500 dark:hover:text-white",
          direction ? "text-slate-900 dark:text-white" : "",
        )}
      >
        <span safe>{label}</span>
        <span aria-hidden="true" class={direction ? "" : "opacity-40"}>
          {arrow}
        </span>
      </a>
    </th>
  );
}

export function Td({ children, class: extra }: PropsWithChildren<{ class?: string }>) {
  return <td class={cx("px-4 py-3 align-middle", extra)}>{children as "safe"}</td>;
}

/** How a link swaps only the results when htmx is there (and pushes the URL for back/forward). */
export interface HxTarget {
  target: string;
}

function PageLink({ href, label, current, disabled, hx, rel }: { href: string; label: string; current?: boolean; disabled?: boolean; hx?: HxTarget; rel?: string }) {
  const base = "inline-flex min-w-9 items-center justify-center rounded-lg px-3 py-1.5 text-sm font-medium";
  if (disabled) {
    return (
      <span class={cx(base, "cursor-not-allowed text-slate-400 dark:text-slate-600")} aria-disabled="true" safe>
        {label}
      </span>
    );
  }
  return (
    <a
      href={attr(href)}
      rel={rel}
      aria-current={current ? "page" : undefined}
      hx-get={hx ? attr(href) : undefined}
      hx-target={hx?.target}
      hx-push-url={hx ? "true" : undefined}
      class={cx(base, current ? "bg-blue-600 text-white" : "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800")}
      safe
    >
      {label}
    </a>
  );
}


/** The words of pagination; `noun` is the caller's plural ("users", "events"), from its own table. */
const TEXT = {
  label: "Pagination",
  previous: "Previous",
  next: "Next",
  firstPage: "Go to the first page",
  lastPage: "Go to the last page",
  none: (noun: string) => `No ${noun}`,
  showing: (first: number, last: number, total: number, noun: string) => `Showing ${first}–${last} of ${total} ${noun}`,
  showingOfMoreThan: (first: string, last: string, moreThan: string, noun: string) => `Showing ${first}–${last} of more than ${moreThan} ${noun}`,
  pastTheEndOfList: (page: string) => `Page ${page} is past the end of the list.`,
  pastTheEnd: (page: number, total: number, noun: string, totalPages: number) => `Page ${page} is past the end: ${total} ${noun} fill ${totalPages} ${totalPages === 1 ? "page" : "pages"}.`,
} as const;

/** Pagination of a list whose total is an estimate: "Showing 10,001–10,020 of more than 10,000 users". */
function OpenEndedPagination({ page, perPage, hrefFor, hx, noun, moreThan, shown = perPage }: PaginationProps & { moreThan: number }) {
  const first = (page - 1) * perPage + 1;
  // Pages known to exist: those holding the first moreThan + 1 matches, and the next one while this one is full.
  const known = Math.max(Math.ceil((moreThan + 1) / perPage), shown === perPage ? page + 1 : page);
  const pages = pageWindow(page, known);
  return (
    <nav class="flex flex-col items-center justify-between gap-3 pt-4 sm:flex-row" aria-label={TEXT.label}>
      {shown === 0 ? (
        <p class="text-sm text-slate-500 dark:text-slate-400">
          <span safe>{TEXT.pastTheEndOfList(formatNumber(page))}</span>{" "}
          <a href={attr(hrefFor(1))} hx-get={hx ? attr(hrefFor(1)) : undefined} hx-target={hx?.target} hx-push-url={hx ? "true" : undefined} class="font-semibold text-blue-600 hover:underline dark:text-blue-400">
            {TEXT.firstPage}
          </a>
        </p>
      ) : (
        <p class="text-sm text-slate-500 dark:text-slate-400" safe>
          {TEXT.showingOfMoreThan(formatNumber(first), formatNumber(first + shown - 1), formatNumber(moreThan), noun)}
        </p>
      )}
      <div class="flex flex-wrap items-center gap-1">
        <PageLink href={hrefFor(page - 1)} label={TEXT.previous} disabled={page <= 1} hx={hx} rel="prev" />
        {pages.map((n) => (n === "gap" ? <span class="px-1 text-slate-500 dark:text-slate-400">…</span> : <PageLink href={hrefFor(n)} label={String(n)} current={n === page} hx={hx} />))}
        {known > page ? <span class="px-1 text-slate-500 dark:text-slate-400">…</span> : ""}
        <PageLink href={hrefFor(page + 1)} label={TEXT.next} disabled={shown < perPage} hx={hx} rel="next" />
      </div>
    </nav>
  );
}

/** The pages to offer: first, last, and two either side of the current one. */
export function pageWindow(page: number, totalPages: number): Array<number | "gap"> {
  const pages: Array<number | "gap"> = [];
  for (let n = 1; n <= totalPages; n++) {
    if (n === 1 || n === totalPages || Math.abs(n - page) <= 2) pages.push(n);
    else if (pages[pages.length - 1] !== "gap") pages.push("gap");
  }
  return pages;
}

export interface PaginationProps {
  page: number;
  totalPages: number;
  total: number;
  perPage: number;
  hrefFor: (page: number) => string;
  hx?: HxTarget;
  noun: string;
  /**
   * Set when `total` is only an estimate: more than this many match. The text says so, and the
   * links go as far as is known to exist (Next while the page is full) instead of to a guessed end.
   */
  moreThan?: number;
  /** Rows on this page; needed with `moreThan`. */
  shown?: number;
}

export function Pagination(props: PaginationProps) {
  if (props.moreThan !== undefined) return <OpenEndedPagination {...props} moreThan={props.moreThan} />;
  const { page, totalPages, total, perPage, hrefFor, hx, noun } = props;
  const first = total === 0 ? 0 : (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  // A page past the end (an old link, a hand-edited URL, rows deleted meanwhile) says so and
  // offers the last page, instead of "Showing 1961–34 of 34".
  const beyond = total > 0 && first > total;
  return (
    <nav class="flex flex-col items-center justify-between gap-3 pt-4 sm:flex-row" aria-label={TEXT.label}>
      {beyond ? (
        <p class="text-sm text-slate-500 dark:text-slate-400">
          <span safe>{TEXT.pastTheEnd(page, total, noun, totalPages)}</span>{" "}
          <a href={attr(hrefFor(totalPages))} hx-get={hx ? attr(hrefFor(totalPages)) : undefined} hx-target={hx?.target} hx-push-url={hx ? "true" : undefined} class="font-semibold text-blue-600 hover:underline dark:text-blue-400">
            {TEXT.lastPage}
          </a>
        </p>
      ) : (
        <p class="text-sm text-slate-500 dark:text-slate-400" safe>
          {total === 0 ? TEXT.none(noun) : TEXT.showing(first, last, total, noun)}
        </p>
      )}
      {totalPages > 1 ? (
        <div class="flex flex-wrap items-center gap-1">
          <PageLink href={hrefFor(page - 1)} label={TEXT.previous} disabled={page <= 1} hx={hx} rel="prev" />
          {pageWindow(page, totalPages).map((n) =>
            n === "gap" ? <span class="px-1 text-slate-500 dark:text-slate-400">…</span> : <PageLink href={hrefFor(n)} label={String(n)} current={n === page} hx={hx} />,
          )}
          <PageLink href={hrefFor(page + 1)} label={TEXT.next} disabled={page >= totalPages} hx={hx} rel="next" />
        </div>
      ) : (
        ""
      )}
    </nav>
  );
}
