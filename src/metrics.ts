/**
 * Prometheus metrics through prom-client, one registry per app (tests build many apps in one
 * process). Labels are bounded: route patterns, never raw URLs.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: "cobalt_http_requests_total",
    help: "HTTP requests by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "cobalt_http_request_duration_seconds",
    help: "HTTP request latency by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: "cobalt_logins_total",
    help: "Sign-in attempts by result",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly refreshes = new Counter({
    name: "cobalt_token_refreshes_total",
    help: "Refresh-token presentations by result (rotated, grace, reuse, invalid)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly refreshReuse = new Counter({
    name: "cobalt_refresh_token_reuse_detected_total",
    help: "Replaced refresh tokens presented after the grace window (sessions revoked)",
    registers: [this.registry],
  });
  readonly accessTokenChecks = new Counter({
    name: "cobalt_access_token_checks_total",
    help: "EdDSA access-token signature checks by result (cache_hit, verified, refused)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: "cobalt_rate_limit_refusals_total",
    help: "Requests refused with 429, by limit",
    labelNames: ["bucket"] as const,
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({
    name: "cobalt_store_errors_total",
    help: "Store (Redis) operations that failed: rate limits failed open, revocation checks failed closed",
    labelNames: ["effect"] as const,
    registers: [this.registry],
  });
  readonly mail = new Counter({
    name: "cobalt_mail_total",
    help: "Messages handed to the mail transport, by result",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly oauth = new Counter({
    name: "cobalt_oauth_events_total",
    help: "Social sign-in outcomes by provider and event (login, signup, linked, unlinked)",
    labelNames: ["provider", "event"] as const,
    registers: [this.registry],
  });
  readonly oauthFailures = new Counter({
    name: "cobalt_oauth_failures_total",
    help: "Social sign-in attempts that ended on a failure page, by provider and reason",
    labelNames: ["provider", "reason"] as const,
    registers: [this.registry],
  });
  readonly backendUp = new Gauge({
    name: "cobalt_backend_up",
    help: "1 when the backing service answered its last health check",
    labelNames: ["service"] as const,
    registers: [this.registry],
  });
  readonly dbPoolSize = new Gauge({
    name: "cobalt_db_pool_max_connections",
    help: "Configured size of the Postgres connection pool (1 for embedded PGlite)",
    registers: [this.registry],
  });

  private readonly beforeScrape: (() => Promise<unknown>)[] = [];
  /**
   * The two series of each (method, route, status), bound once: prom-client otherwise sorts and
   * joins the labels into a key on every call. Bounded like the labels themselves (route patterns).
   */
  private readonly requestSeries = new Map<string, { count: { inc(): void }; duration: { observe(value: number): void } }>();

  /** One finished HTTP request: counted and its latency observed. */
  recordRequest(method: string, route: string, status: string, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      const labels = { method, route, status };
      series = { count: this.httpRequests.labels(labels), duration: this.httpDuration.labels(labels) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "cobalt_" });
  }

  /** Work that refreshes gauges at scrape time (the backend checks), so alerts never read stale values. */
  onScrape(refresh: () => Promise<unknown>): void {
    this.beforeScrape.push(refresh);
  }

  async text(): Promise<string> {
    await Promise.all(this.beforeScrape.map((refresh) => refresh().catch(() => {})));
    return this.registry.metrics();
  }
}
