import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metrics } from "../src/metrics";
import { startTestApp, type TestApp } from "./helpers/app";
import { START_TIMEOUT_MS } from "./helpers/auth";

// monitoring/: the alert rules and the scrape config checked by the real promtool (Debian's
// prometheus package), the rules unit-tested with `promtool test rules`, and every metric the
// rules and the Grafana dashboard read checked against what Cobalt's /metrics really exports.

const ROOT = join(import.meta.dir, "..");
const MONITORING = join(ROOT, "monitoring");
const PROMTOOL = Bun.which("promtool");
const work = mkdtempSync(join(tmpdir(), "cobalt-monitoring-"));

function promtool(...args: string[]): { code: number; output: string } {
  if (!PROMTOOL) throw new Error("promtool not found: install Debian's prometheus package (.ci/run does)");
  const result = Bun.spawnSync([PROMTOOL, ...args], { cwd: work, stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, output: result.stdout.toString() + result.stderr.toString() };
}

interface Dashboard {
  uid: string;
  panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string; datasource: { uid: string } }[] }[];
}
const dashboard = JSON.parse(readFileSync(join(MONITORING, "grafana/dashboards/cobalt.json"), "utf8")) as Dashboard;
const dashboardQueries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
const alertRules = Bun.YAML.parse(readFileSync(join(MONITORING, "alerts.yml"), "utf8")) as { groups: { rules: { alert: string; expr: string }[] }[] };

/** Grafana's variables replaced by what they stand for, so promtool can parse the query. */
function asPromQL(expr: string): string {
  return expr.replaceAll("$__rate_interval", "1m").replaceAll("$__range", "1h").replaceAll("$instance", ".*");
}

/** Sample names a metric family exposes (a histogram's buckets, sum and count). */
function sampleNames(exposition: string): Set<string> {
  const names = new Set<string>(["up"]);
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match;
    names.add(name!);
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name! + suffix);
  }
  return names;
}

function metricNamesIn(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b(cobalt_[a-z0-9_]+|up)\b(?=\s*[{[)])/g)].map((m) => m[1]!))];
}

let app: TestApp;
let exported: Set<string>;

beforeAll(async () => {
  cpSync(MONITORING, work, { recursive: true });
  app = await startTestApp();
  // The app's own families, plus the process and runtime families a real server also registers.
  exported = new Set([...sampleNames(await (await app.fetch("/metrics")).text()), ...sampleNames(await new Metrics().text())]);
}, START_TIMEOUT_MS);
afterAll(async () => {
  await app?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("alert rules", () => {
  test("promtool check rules accepts them", () => {
    const { code, output } = promtool("check", "rules", "alerts.yml");
    expect(output).toContain("SUCCESS");
    expect(code).toBe(0);
  });

  test("promtool test rules: each alert fires on its pattern and stays quiet when healthy", () => {
    const { code, output } = promtool("test", "rules", "tests/alerts.test.yml");
    expect(output).toContain("SUCCESS");
    expect(code).toBe(0);
  });

  test("the unit tests cover every alert, firing and quiet", () => {
    const tests = readFileSync(join(MONITORING, "tests/alerts.test.yml"), "utf8");
    for (const rule of alertRules.groups.flatMap((group) => group.rules)) {
      expect(tests).toMatch(new RegExp(`alertname: ${rule.alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
      expect(tests).toMatch(new RegExp(`alertname: ${rule.alert}, exp_alerts: \\[\\]`));
    }
  });

  test("a broken rule is refused (the check is real)", () => {
    writeFileSync(join(work, "broken.yml"), "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(rate(cobalt_http_requests_total[5m])\n");
    expect(promtool("check", "rules", "broken.yml").code).not.toBe(0);
  });

  test("every metric the rules read is one Cobalt exports", () => {
    for (const rule of alertRules.groups.flatMap((group) => group.rules)) {
      for (const name of metricNamesIn(rule.expr)) expect(`${rule.alert}: ${name} ${exported.has(name) ? "exported" : "missing"}`).toBe(`${rule.alert}: ${name} exported`);
    }
  });

  test("the label values the rules match on are the ones Cobalt writes", async () => {
    await app.json("POST", "/api/v1/auth/login", { username_or_email: "nobody_here", password: "not the password" });
    // No /health call first: the backend gauges are measured at scrape time.
    const text = await (await app.fetch("/metrics")).text();
    expect(text).toMatch(/^cobalt_backend_up\{service="database"\} 1$/m);
    expect(text).toMatch(/^cobalt_backend_up\{service="redis"\} 1$/m);
    expect(text).toMatch(/^cobalt_logins_total\{result="invalid_credentials"\} 1$/m);
    expect(text).toMatch(/^cobalt_http_requests_total\{method="POST",route="\/api\/v1\/auth\/login",status="401"\} 1$/m);
  });
});

describe("scrape config", () => {
  test("promtool check config accepts the compose scrape config and finds its rule file", () => {
    // The token file exists only inside the container; point the check at a real file here.
    writeFileSync(join(work, "metrics-token"), "token");
    const config = readFileSync(join(work, "prometheus.yml"), "utf8").replace("/prometheus/metrics-token", join(work, "metrics-token"));
    writeFileSync(join(work, "prometheus.yml"), config);
    const { code, output } = promtool("check", "config", "prometheus.yml");
    expect(output).toContain("SUCCESS: 10 rules found");
    expect(code).toBe(0);
  });

  test("the compose monitoring profile wires Prometheus to the app and Grafana to Prometheus", () => {
    type Service = { profiles?: string[]; entrypoint?: string[]; environment?: Record<string, string>; volumes?: string[]; ports?: string[] };
    const compose = Bun.YAML.parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8")) as { services: Record<string, Service> };
    const { app: cobalt, prometheus, grafana } = compose.services;
    expect(prometheus!.profiles).toEqual(["monitoring"]);
    expect(grafana!.profiles).toEqual(["monitoring"]);
    expect(cobalt!.profiles).toBeUndefined();
    // Every file mounted from the repository exists.
    for (const service of [prometheus!, grafana!]) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0]!;
        if (source.startsWith("./")) expect(existsSync(join(ROOT, source))).toBe(true);
      }
    }
    // Prometheus scrapes the app service on its port, with the token the app is given.
    const scrape = Bun.YAML.parse(readFileSync(join(MONITORING, "prometheus.yml"), "utf8")) as {
      scrape_configs: { static_configs: { targets: string[] }[]; authorization: { credentials_file: string } }[];
    };
    expect(scrape.scrape_configs[0]!.static_configs[0]!.targets).toEqual([`app:${cobalt!.ports![0]!.split(":")[1]}`]);
    expect(prometheus!.entrypoint!.join(" ")).toContain(`> ${scrape.scrape_configs[0]!.authorization.credentials_file}`);
    expect(prometheus!.environment!.METRICS_TOKEN).toBe(cobalt!.environment!.METRICS_TOKEN!);
    // Grafana's provisioned datasource points at the prometheus service and has the uid the dashboard uses.
    const datasources = Bun.YAML.parse(readFileSync(join(MONITORING, "grafana/provisioning/datasources/prometheus.yml"), "utf8")) as {
      datasources: { uid: string; url: string }[];
    };
    expect(datasources.datasources[0]!.url).toBe(`http://prometheus:${prometheus!.ports![0]!.split(":")[1]}`);
    for (const panel of dashboard.panels.filter((p) => p.type !== "row")) expect(panel.datasource?.uid).toBe(datasources.datasources[0]!.uid);
  });
});

describe("Grafana dashboard", () => {
  test("has the golden signals and the auth panels", () => {
    const titles = dashboard.panels.map((panel) => panel.title);
    for (const title of ["Traffic by route", "Errors: 5xx share", "Latency p99 by route", "CPU", "Resident memory", "Postgres", "Redis", "Sign-ins by result", "Refreshes by result", "Refresh-token reuse (sessions revoked)", "Rate-limit refusals by limit", "Mail by result"]) {
      expect(titles).toContain(title);
    }
  });

  test("every query parses as PromQL (promtool) and reads only metrics Cobalt exports", () => {
    const rules = dashboardQueries.map((query, i) => ({ record: `dashboard:query_${i}`, expr: asPromQL(query.expr) }));
    writeFileSync(join(work, "dashboard-queries.yml"), JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
    const { code, output } = promtool("check", "rules", "dashboard-queries.yml");
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(code).toBe(0);
    for (const query of dashboardQueries) {
      const names = metricNamesIn(query.expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(`${query.panel}: ${name} ${exported.has(name) ? "exported" : "missing"}`).toBe(`${query.panel}: ${name} exported`);
    }
  });
});
