import { clampPage } from "../../modules/admin/list";

/**
 * The highest page a list URL may ask for. Past it the database offset would overflow (a 500
 * for a hand-edited URL); no real list gets near it.
 */
export const MAX_LIST_PAGE = 100_000;

/** A page number from the query string: at least 1, at most MAX_LIST_PAGE. */
export function listPage(raw: string | null): number {
  return Math.min(MAX_LIST_PAGE, clampPage(Number(raw ?? 1)));
}
