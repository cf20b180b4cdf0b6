import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Namespace, Secret, Service, ConfigMap } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { loadConfig } from "../src/config";
import { SHUTDOWN_DEADLINE_MS } from "../src/server";
import { startTestApp, type TestApp } from "./helpers/app";
import { START_TIMEOUT_MS } from "./helpers/auth";

// deploy/kubernetes rendered by a real kustomize (the one inside kubectl: Debian's
// kubernetes-client in CI) and validated against the Kubernetes API's JSON schemas as shipped in
// the kubernetes-models package. Those schemas check types, enums and required fields; like
// kubeconform without -strict they let unknown fields through, so the fields an operator relies
// on are pinned by path below.

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

type Validator = new (data: never) => { validate(): void };
const SCHEMAS: Record<string, Validator> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
};

const KUBECTL = process.env.KUBECTL || Bun.which("kubectl");
const tree = mkdtempSync(join(tmpdir(), "cobalt-k8s-"));

function render(folder: string): Manifest[] {
  if (!KUBECTL) throw new Error("kubectl not found: install Debian's kubernetes-client (.ci/run does)");
  const result = Bun.spawnSync([KUBECTL, "kustomize", join(tree, folder)], { stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`kubectl kustomize ${folder} failed: ${result.stderr.toString()}`);
  const manifests = Bun.YAML.parse(result.stdout.toString()) as Manifest[];
  // kustomize v5 folds long base64 values over lines; the API server's decoder skips the
  // newlines, the schema's "byte" pattern does not.
  for (const manifest of manifests) {
    const data = manifest.kind === "Secret" ? (manifest.data as Record<string, string> | undefined) : undefined;
    for (const key of Object.keys(data ?? {})) data![key] = data![key]!.replace(/\s+/g, "");
  }
  return manifests;
}

function one<T = Manifest>(manifests: Manifest[], kind: string): T {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as T;
}

interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  startupProbe: { httpGet: { path: string; port: string } };
  lifecycle: { preStop: { exec: { command: string[] } } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean; capabilities: { drop: string[] } };
  volumeMounts: { name: string; mountPath: string }[];
}
interface DeploymentShape {
  metadata: { name: string };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { terminationGracePeriodSeconds: number; securityContext: { runAsNonRoot: boolean; runAsUser: number }; containers: Container[]; volumes: { name: string }[] };
    };
  };
}

function environmentOf(manifests: Manifest[]): Record<string, string> {
  const container = one<DeploymentShape>(manifests, "Deployment").spec.template.spec.containers[0]!;
  const env: Record<string, string> = {};
  for (const source of container.envFrom) {
    if (source.configMapRef) {
      const map = manifests.find((m) => m.kind === "ConfigMap" && m.metadata.name === source.configMapRef!.name);
      expect(map).toBeDefined();
      Object.assign(env, map!.data as Record<string, string>);
    }
    if (source.secretRef) {
      const secret = manifests.find((m) => m.kind === "Secret" && m.metadata.name === source.secretRef!.name);
      expect(secret).toBeDefined();
      for (const [key, value] of Object.entries(secret!.data as Record<string, string>)) env[key] = Buffer.from(value, "base64").toString();
    }
  }
  return env;
}

let base: Manifest[];
let production: Manifest[];
let app: TestApp;

beforeAll(async () => {
  cpSync(join(import.meta.dir, "../deploy/kubernetes"), tree, { recursive: true });
  // What an operator does before deploying: fill in secrets.env from the example.
  const example = readFileSync(join(tree, "overlays/production/secrets.env.example"), "utf8");
  const filled = example
    .replace(/^JWT_SECRET=$/m, `JWT_SECRET=${"k".repeat(24)}${crypto.randomUUID()}`)
    .replace(/^ENCRYPTION_KEY=$/m, `ENCRYPTION_KEY=${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`)
    .replace(/^METRICS_TOKEN=$/m, `METRICS_TOKEN=${crypto.randomUUID()}`);
  writeFileSync(join(tree, "overlays/production/secrets.env"), filled);
  base = render("base");
  production = render("overlays/production");
  app = await startTestApp();
}, START_TIMEOUT_MS);
afterAll(async () => {
  await app?.stop();
  rmSync(tree, { recursive: true, force: true });
});

describe("Kubernetes manifests", () => {
  test("every rendered object, base and production, is valid against the Kubernetes schemas", () => {
    for (const manifest of [...base, ...production]) {
      const Model = SCHEMAS[`${manifest.apiVersion}/${manifest.kind}`];
      expect(Model ? `${manifest.apiVersion}/${manifest.kind}` : `no schema for ${manifest.apiVersion}/${manifest.kind}`).toBe(`${manifest.apiVersion}/${manifest.kind}`);
      expect(() => new Model!(manifest as never).validate()).not.toThrow();
    }
    expect(production.map((m) => m.kind).sort()).toEqual(
      ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Namespace", "NetworkPolicy", "PodDisruptionBudget", "Secret", "Service"],
    );
  });

  test("the schema check catches a broken manifest (the validator is not a no-op)", () => {
    const deployment = structuredClone(one(production, "Deployment")) as unknown as DeploymentShape;
    (deployment.spec.template.spec.containers[0]!.ports[0] as { containerPort: unknown }).containerPort = "3000";
    expect(() => new Deployment(deployment as never).validate()).toThrow(/containerPort/);
  });

  test("probes hit the health routes Cobalt serves, on the container's named port", async () => {
    const container = one<DeploymentShape>(production, "Deployment").spec.template.spec.containers[0]!;
    expect(container.livenessProbe.httpGet.path).toBe("/health/live");
    expect(container.readinessProbe.httpGet.path).toBe("/health/ready");
    expect(container.startupProbe.httpGet.path).toBe("/health/live");
    const portNames = container.ports.map((p) => p.name);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      expect(portNames).toContain(probe.httpGet.port);
      expect((await app.fetch(probe.httpGet.path)).status).toBe(200);
    }
    const env = environmentOf(production);
    expect(container.ports.find((p) => p.name === "http")!.containerPort).toBe(Number(env.PORT));
  });

  test("the pod runs non-root on a read-only root filesystem with bounded resources", () => {
    const pod = one<DeploymentShape>(production, "Deployment").spec.template.spec;
    const container = pod.containers[0]!;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext.capabilities.drop).toEqual(["ALL"]);
    for (const kind of ["requests", "limits"] as const) {
      expect(container.resources[kind].cpu).toBeDefined();
      expect(container.resources[kind].memory).toBeDefined();
    }
    // The only writable places are volumes; DATA_DIR is one of them.
    const env = environmentOf(production);
    expect(container.volumeMounts.map((m) => m.mountPath)).toContain(env.DATA_DIR!);
  });

  test("the kubelet waits longer than Cobalt's shutdown deadline plus the preStop pause", () => {
    const pod = one<DeploymentShape>(production, "Deployment").spec.template.spec;
    const preStop = pod.containers[0]!.lifecycle.preStop.exec.command;
    expect(preStop[0]).toBe("sleep");
    const pauseSeconds = Number(preStop[1]);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(pauseSeconds + SHUTDOWN_DEADLINE_MS / 1000);
  });

  test("Service, HPA, disruption budget and network policy all point at the pods", () => {
    for (const manifests of [base, production]) {
      const deployment = one<DeploymentShape>(manifests, "Deployment");
      const podLabels = deployment.spec.template.metadata.labels;
      const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => podLabels[k] === v);
      expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
      const service = one<{ spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }>(manifests, "Service");
      expect(matches(service.spec.selector)).toBe(true);
      expect(service.spec.ports[0]!.targetPort).toBe("http");
      const hpa = one<{ spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number } }>(manifests, "HorizontalPodAutoscaler");
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: deployment.metadata.name });
      const pdb = one<{ spec: { selector: { matchLabels: Record<string, string> }; minAvailable: number } }>(manifests, "PodDisruptionBudget");
      expect(matches(pdb.spec.selector.matchLabels)).toBe(true);
      // A node drain must be able to proceed: the budget leaves at least one pod evictable.
      expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
      const policy = one<{ spec: { podSelector: { matchLabels: Record<string, string> }; ingress: { ports: { port: string }[] }[] } }>(manifests, "NetworkPolicy");
      expect(matches(policy.spec.podSelector.matchLabels)).toBe(true);
      expect(policy.spec.ingress.flatMap((rule) => rule.ports.map((p) => p.port))).toContain("http");
    }
  });

  test("production: own namespace, pinned image, at least three replicas", () => {
    for (const manifest of production) {
      if (manifest.kind === "Namespace") expect(manifest.metadata.name).toBe("cobalt");
      else expect(manifest.metadata.namespace).toBe("cobalt");
    }
    const deployment = one<DeploymentShape>(production, "Deployment");
    const image = deployment.spec.template.spec.containers[0]!.image;
    expect(image).toMatch(/:[\w.-]+$/);
    expect(image.endsWith(":latest")).toBe(false);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(3);
    expect(one<{ spec: { minReplicas: number } }>(production, "HorizontalPodAutoscaler").spec.minReplicas).toBeGreaterThanOrEqual(3);
  });

  test("Cobalt accepts the production environment and refuses the base's placeholder secret", () => {
    const config = loadConfig(environmentOf(production));
    expect(config.env).toBe("production");
    expect(config.databaseUrl).toStartWith("postgres://");
    expect(config.redisUrl).toStartWith("redis://");
    expect(config.trustProxyHops).toBe(1);
    expect(config.metricsToken).toBeDefined();
    expect(() => loadConfig(environmentOf(base))).toThrow(/JWT_SECRET|ENCRYPTION_KEY/);
  });
});
