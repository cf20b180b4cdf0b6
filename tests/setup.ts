// Loaded before the test files (bunfig.toml). Tests build their config explicitly through
// tests/helpers/app.ts; only the choice of backends comes from the environment.
process.env.NODE_ENV = "test";

// Creating and migrating the PGlite template takes seconds; do it once here, before any
// file's beforeAll, so no hook runs into its timeout on a busy machine.
if (!process.env.DATABASE_URL) {
  const { warmUpTestDatabases } = await import("./helpers/backends");
  await warmUpTestDatabases();
}
// The app never builds its stylesheet (src/web/assets.ts); the tests build it when it is
// missing or older than src/web, as `bun start` and the Dockerfile do.
{
  const { cssIsStale } = await import("../src/web/assets");
  if (cssIsStale()) {
    const result = Bun.spawnSync([process.execPath, "run", "build:css"], { cwd: `${import.meta.dir}/..`, stdout: "ignore", stderr: "pipe" });
    if (result.exitCode !== 0) console.error(`tests/setup.ts: bun run build:css failed\n${result.stderr.toString().slice(-500)}`);
  }
}
export {};
