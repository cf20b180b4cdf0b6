import { t } from "elysia";

/** The error shape of DESIGN.md §3, for the OpenAPI document. */
export const ErrorResponse = t.Object(
  {
    error: t.String(),
    code: t.String(),
    details: t.Record(t.String(), t.Unknown()),
    request_id: t.String(),
  },
  { description: "Every error has this shape" },
);

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ErrorResponse])) as Record<number, typeof ErrorResponse>;

export const NoContent = t.Void({ description: "Done; no body" });

export const Uuid = t.String({ format: "uuid", error: "Must be a UUID" });
