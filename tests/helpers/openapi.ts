/**
 * The published OpenAPI document, fetched from a running app, and small helpers to walk it.
 */
import type { TestApp } from "./app";

export type Json = Record<string, unknown>;
export interface Operation extends Json {
  operationId?: string;
  tags?: string[];
  security?: Json[];
  parameters?: ({ name: string; in: string; schema?: Json } | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses?: Record<string, Json>;
}
export interface Document extends Json {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  tags?: { name: string; description?: string }[];
  servers?: { url: string }[];
  components: { schemas?: Record<string, Json>; responses?: Record<string, Json>; headers?: Record<string, Json>; securitySchemes?: Record<string, Json> };
}

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

export async function fetchDocument(app: TestApp): Promise<{ text: string; document: Document }> {
  const response = await app.fetch("/swagger/json");
  if (response.status !== 200) throw new Error(`/swagger/json answered ${response.status}`);
  const text = await response.text();
  return { text, document: JSON.parse(text) as Document };
}

export function operations(document: Document): { path: string; method: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

/** Follows a local `$ref` ("#/components/..."). */
export function resolve<T = Json>(document: Document, value: unknown): T {
  let current = value as Json;
  for (let hops = 0; current && typeof current.$ref === "string" && hops < 10; hops++) {
    const parts = (current.$ref as string).replace(/^#\//, "").split("/");
    current = parts.reduce<Json>((node, part) => node?.[part.replaceAll("~1", "/").replaceAll("~0", "~")] as Json, document as Json);
  }
  return current as T;
}
