/**
 * README's configuration table is where operators look a setting up: every variable
 * src/config.ts reads has a row there (the table can fall behind a new setting silently).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const source = readFileSync(join(root, "src/config.ts"), "utf8");
const readme = readFileSync(join(root, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 5));
const rows = section.split("\n").filter((line) => line.startsWith("| `"));

/** Names read as `env.NAME` or passed as `(env, "NAME"`; a provider's prefix (`oauthCredentials(env, "OAUTH_GITHUB")`) is not a name. */
const variables = [...new Set([...source.matchAll(/env\.([A-Z][A-Z0-9_]+)/g), ...source.matchAll(/\(env, "([A-Z][A-Z0-9_]+)"/g)].map((match) => match[1]!))]
  .filter((name) => !source.includes(`oauthCredentials(env, "${name}")`))
  .sort();

/** A row names it in full, or as a shared prefix plus `_SUFFIX` (`OAUTH_GITHUB_CLIENT_ID` / `_SECRET`), or as `OAUTH_<ID>_…`. */
function documented(name: string): boolean {
  if (rows.some((row) => row.includes(`\`${name}\``))) return true;
  const parts = name.split("_");
  for (let cut = 1; cut < parts.length; cut++) {
    const prefix = parts.slice(0, cut).join("_");
    const suffix = `_${parts.slice(cut).join("_")}`;
    if (rows.some((row) => row.includes(`\`${prefix}_`) && row.includes(`\`${suffix}\``))) return true;
  }
  const provider = /^OAUTH_[A-Z0-9]+(_[A-Z_]+)$/.exec(name);
  return provider !== null && rows.some((row) => row.includes(`OAUTH_<ID>${provider[1]}`) || (row.includes("`OAUTH_<ID>_") && row.includes(`\`${provider[1]}\``)));
}

describe("README's configuration table", () => {
  test("has a row for every variable the configuration module reads", () => {
    expect(variables.length).toBeGreaterThan(30);
    expect(variables.filter((name) => !documented(name))).toEqual([]);
  });
});
