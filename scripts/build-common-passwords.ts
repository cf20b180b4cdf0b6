/**
 * Rebuilds src/modules/auth/common-passwords.txt: the 10,000 most frequent passwords from
 * zxcvbn 4.4.2 (lib/frequency_lists.js, `passwords`, ordered most frequent first),
 * lower-cased and deduplicated, one per line. Entries shorter than the 8-character minimum
 * are kept on purpose: length is checked separately, and the list stays a plain "top N".
 *
 * zxcvbn is not a dependency of Cobalt; install it somewhere outside the repo first:
 *
 *   mkdir -p /tmp/pw && cd /tmp/pw && npm init -y && npm i zxcvbn@4.4.2
 *   bun run scripts/build-common-passwords.ts /tmp/pw
 *
 * The argument is the directory whose node_modules holds zxcvbn.
 */
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const LIMIT = 10_000;
const EXPECTED_VERSION = "4.4.2";

const installDir = process.argv[2];
if (!installDir) {
  console.error("usage: bun run scripts/build-common-passwords.ts <dir with node_modules/zxcvbn>");
  process.exit(1);
}

const require = createRequire(join(resolve(installDir), "package.json"));
const { version } = require("zxcvbn/package.json") as { version: string };
if (version !== EXPECTED_VERSION) {
  console.error(`expected zxcvbn ${EXPECTED_VERSION}, found ${version}`);
  process.exit(1);
}
const lists = require("zxcvbn/lib/frequency_lists.js") as { passwords: string[] };

const seen = new Set<string>();
for (const entry of lists.passwords) {
  const word = entry.trim().toLowerCase();
  if (word !== "") seen.add(word);
  if (seen.size === LIMIT) break;
}
if (seen.size !== LIMIT) {
  console.error(`only ${seen.size} distinct passwords in the source list`);
  process.exit(1);
}

const out = join(import.meta.dir, "..", "src", "modules", "auth", "common-passwords.txt");
await Bun.write(out, `${[...seen].join("\n")}\n`);
console.log(`wrote ${seen.size} passwords to ${out}`);
