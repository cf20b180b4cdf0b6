/**
 * CSV for the admin exports (docs/admin.md): RFC 4180 quoting, CRLF line ends, and cells that a
 * spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) made
 * inert with a leading apostrophe (OWASP's advice for CSV injection).
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvCell(value: string | number | boolean | Date | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRow = (cells: Array<Parameters<typeof csvCell>[0]>) => `${cells.map(csvCell).join(",")}\r\n`;

/**
 * A CSV body produced batch by batch as the client reads it: the header row, then `next(after)`
 * until it returns no rows. Memory stays one batch whatever the size of the export, and a
 * client that goes away stops the queries.
 */
export function csvStream<Row, Cursor>(header: string[], next: (after: Cursor | null) => Promise<{ rows: Row[]; cursor: Cursor | null }>, line: (row: Row) => Promise<string> | string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: Cursor | null = null;
  let started = false;
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvRow(header)));
        return;
      }
      if (done) return;
      const batch = await next(cursor);
      if (batch.rows.length === 0) {
        done = true;
        controller.close();
        return;
      }
      let text = "";
      for (const row of batch.rows) text += await line(row);
      controller.enqueue(encoder.encode(text));
      cursor = batch.cursor;
      if (cursor === null) {
        done = true;
        controller.close();
      }
    },
  });
}
