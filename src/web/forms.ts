/**
 * Form handling shared by the pages: the same TypeBox schemas as the API decide what is valid,
 * and an AppError from a service becomes errors next to fields plus one message on top.
 */
import type { Static, TObject, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { AppError } from "../errors";
import { explainText, isTextSchema } from "../http/text";
import type { Notice } from "./components/ui";
import { waitInWords } from "./format";
import type { FormValues } from "./context";

/** What a form says about itself, whatever the page (docs/pages.md). */
export const TEXT = {
  tooManyAttempts: (wait: string) => `Too many attempts. Please wait ${wait} and try again.`,
  correctFields: { tone: "error", text: "Please correct the highlighted fields." } satisfies Notice,
  expired: { tone: "error", text: "This form had expired, so nothing was sent. Check the details and submit it again." } satisfies Notice,
  invalidValue: "Enter a valid value",
} as const;

export type FieldErrors = Record<string, string>;

export interface FormState {
  values: FormValues;
  errors: FieldErrors;
  notice?: Notice;
}

export const emptyForm = (values: FormValues = {}): FormState => ({ values, errors: {} });

function messageOf(schema: TSchema, value: unknown): string {
  const text = isTextSchema(schema) ? explainText(schema, value) : null;
  return text ?? (typeof schema.error === "string" ? schema.error : TEXT.invalidValue);
}

/** Field → message for every field of the schema that the submitted value breaks. */
export function validateForm(schema: TObject, values: FormValues): FieldErrors {
  const errors: FieldErrors = {};
  for (const [name, fieldSchema] of Object.entries(schema.properties)) {
    const value = values[name] ?? "";
    if (!Value.Check(fieldSchema, value)) errors[name] = messageOf(fieldSchema, value);
  }
  return errors;
}

/**
 * The query string read through the API's own schema: each parameter converted as the API
 * would (numbers, booleans) and kept only when valid. A hand-edited URL still shows a page, with
 * the broken parameter ignored instead of refused.
 */
export function validQuery<T extends TObject>(schema: T, params: URLSearchParams): Partial<Static<T>> {
  const query: Record<string, unknown> = {};
  for (const [name, fieldSchema] of Object.entries(schema.properties)) {
    const raw = params.get(name);
    if (raw === null || raw === "") continue;
    const value = Value.Convert(fieldSchema, raw);
    if (Value.Check(fieldSchema, value)) query[name] = value;
  }
  return query as Partial<Static<T>>;
}

export const hasErrors = (errors: FieldErrors) => Object.keys(errors).length > 0;

function fieldsOf(error: AppError): FieldErrors {
  const fields = error.details.fields;
  if (typeof fields !== "object" || fields === null) return {};
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

export interface FormFailure {
  status: number;
  /** A 429's wait, for a button that counts down to when trying again makes sense. */
  retryAfterSeconds?: number;
  errors: FieldErrors;
  notice: Notice;
}

/** What a form shows for a service's AppError; anything else is not the form's business. */
export function formFailure(error: unknown): FormFailure {
  if (!(error instanceof AppError)) throw error;
  const errors = fieldsOf(error);
  if (error.status === 429) {
    return { status: 429, retryAfterSeconds: error.retry?.afterSeconds, errors, notice: { tone: "error", text: TEXT.tooManyAttempts(waitInWords(error.retry?.afterSeconds ?? 0)) } };
  }
  if (error.status === 422 && hasErrors(errors)) return { status: 422, errors, notice: TEXT.correctFields };
  return { status: error.status, errors, notice: { tone: "error", text: error.message } };
}

/** A form sent with a token that no longer matches (see PageOptions.onExpiredForm). */
export const expiredForm = (): FormFailure => ({
  status: 403,
  errors: {},
  notice: TEXT.expired,
});

export function invalid(errors: FieldErrors): FormFailure {
  return { status: 422, errors, notice: TEXT.correctFields };
}
