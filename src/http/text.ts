/**
 * Text input (docs/security.md "Text input"): the one rule for every string a client sends.
 * Refused: NUL and the other C0/C1 controls (tab only where a field allows it, i.e. passwords),
 * lone surrogates, bidi controls and default-ignorable (invisible) characters. Lengths count
 * Unicode code points, as JSON Schema defines them (TypeBox's minLength counts UTF-16 units).
 *
 * The rule lives in a TypeBox kind, `Text`, so the API's schemas and the pages' forms (which
 * check the same schemas in src/web/forms.ts) apply it the same way, field by field.
 */
import { Kind, type TSchema, type TString, TypeRegistry } from "@sinclair/typebox";

export type TextProblem = "control" | "surrogate" | "bidi" | "invisible";

const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/;
const CONTROL_OR_TAB = /[\u0000-\u001F\u007F-\u009F]/;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

/** What is wrong with a string a client sent, or null when it is acceptable text. */
export function textProblem(value: string, options: { allowTab?: boolean } = {}): TextProblem | null {
  if ((options.allowTab ? CONTROL : CONTROL_OR_TAB).test(value)) return "control";
  if (!value.isWellFormed()) return "surrogate";
  if (BIDI.test(value)) return "bidi";
  if (INVISIBLE.test(value)) return "invisible";
  return null;
}

export const TEXT_PROBLEM_MESSAGES: Record<TextProblem, string> = {
  control: "Must not contain control characters",
  surrogate: "Contains an invalid character",
  bidi: "Must not contain text-direction controls",
  invisible: "Must not contain invisible characters",
};

/** Length in Unicode code points (an emoji is one, not two). */
export function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Checks for the `format` of a Text schema beyond the character rule (registered by their modules). */
const textFormats = new Map<string, (value: string) => boolean>();

export function registerTextFormat(name: string, check: (value: string) => boolean): void {
  textFormats.set(name, check);
}

export interface TextOptions {
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** A check registered with registerTextFormat. */
  format?: string;
  allowTab?: boolean;
  /** The message shown for the field when the value breaks a length, pattern or format rule. */
  error?: string;
  description?: string;
  examples?: string[];
  default?: string;
}

/** As stored in the schema: the tab rule under an OpenAPI extension key, so validators accept the document. */
interface TextSchema extends Omit<TextOptions, "allowTab"> {
  [Kind]: "Text";
  type: "string";
  "x-allow-tab"?: boolean;
}

const patterns = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern, "u");
    patterns.set(pattern, regex);
  }
  return regex;
}

/** Why a value breaks a Text schema, or null when it does not. */
export function explainText(schema: Omit<TextSchema, typeof Kind | "type">, value: unknown): string | null {
  if (typeof value !== "string") return schema.error ?? "Must be text";
  const problem = textProblem(value, { allowTab: schema["x-allow-tab"] === true });
  if (problem) return TEXT_PROBLEM_MESSAGES[problem];
  const length = codePoints(value);
  const tooShort = schema.minLength !== undefined && length < schema.minLength;
  const tooLong = schema.maxLength !== undefined && length > schema.maxLength;
  if (tooShort || tooLong) return schema.error ?? (tooShort ? `Must be at least ${schema.minLength} characters` : `Must be at most ${schema.maxLength} characters`);
  if (schema.pattern !== undefined && !compiled(schema.pattern).test(value)) return schema.error ?? "Has an invalid format";
  if (schema.format !== undefined) {
    const check = textFormats.get(schema.format);
    if (!check || !check(value)) return schema.error ?? "Has an invalid format";
  }
  return null;
}

TypeRegistry.Set<TextSchema>("Text", (schema, value) => explainText(schema, value) === null);

/**
 * A string field under the text rule. Typed as TString so Elysia and `typeof X.static` treat
 * it as a string; the OpenAPI document shows `type: string` with the limits (in code points,
 * which is what JSON Schema's minLength/maxLength mean).
 */
export function Text({ allowTab, ...options }: TextOptions = {}): TString {
  const schema: TextSchema = { ...options, ...(allowTab ? { "x-allow-tab": true } : {}), [Kind]: "Text", type: "string" };
  return schema as unknown as TString;
}

export function isTextSchema(schema: TSchema | undefined): schema is TSchema & Omit<TextSchema, typeof Kind | "type"> {
  return (schema as { [Kind]?: unknown } | undefined)?.[Kind] === "Text";
}

/**
 * The text rule for a URL's own strings, for routes whose parameters no schema describes (the
 * pages): every named path parameter and every query parameter's name and value. Field → message
 * (`query.<name>`, `params.<name>`), empty when all are acceptable. Values are never echoed.
 */
export function urlTextProblems(params: Record<string, string | undefined>, query: URLSearchParams): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (name === "*" || value === undefined) continue;
    const problem = textProblem(value);
    if (problem) fields[`params.${name}`] = TEXT_PROBLEM_MESSAGES[problem];
  }
  for (const [name, value] of query) {
    const problem = textProblem(name) ?? textProblem(value);
    if (problem) fields[textProblem(name) ? "query" : `query.${name}`] = TEXT_PROBLEM_MESSAGES[problem];
  }
  return fields;
}
