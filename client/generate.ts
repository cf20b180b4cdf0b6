/**
 * Generates client/schema.d.ts (TypeScript types of every operation) from Cobalt's OpenAPI
 * document with openapi-typescript. The file is committed; tests/client.test.ts regenerates it
 * from the live document and fails when the committed one is stale.
 *
 *   bun run client:generate                      # from an in-process app on the embedded defaults
 *   bun run client:generate http://host/swagger/json
 */
import openapiTS, { astToString } from "openapi-typescript";

export const SCHEMA_FILE = new URL("./schema.d.ts", import.meta.url);

const HEADER = `/**
 * Types of Cobalt's HTTP API, generated from its OpenAPI document (GET /swagger/json) by
 * openapi-typescript. Do not edit: run \`bun run client:generate\` (docs/api-contract.md).
 */

`;

/** The text of schema.d.ts for a document. Deterministic: the same document gives the same bytes. */
export async function generateSchemaTypes(document: string): Promise<string> {
  const ast = await openapiTS(JSON.parse(document) as Parameters<typeof openapiTS>[0]);
  return HEADER + astToString(ast);
}

async function documentFrom(source: string | undefined): Promise<string> {
  if (source) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`${source} answered ${response.status}`);
    return response.text();
  }
  // No server to ask: start the app as the tests do (fresh embedded database and store).
  const { startTestApp } = await import("../tests/helpers/app");
  const app = await startTestApp();
  try {
    return await (await app.fetch("/swagger/json")).text();
  } finally {
    await app.stop();
  }
}

if (import.meta.main) {
  await Bun.write(SCHEMA_FILE, await generateSchemaTypes(await documentFrom(process.argv[2])));
  console.log(`wrote ${SCHEMA_FILE.pathname}`);
  process.exit(0);
}
