/**
 * npm run bench [-- --runs N]
 *
 * Measures the targets the README states, on this machine, in one run:
 * - `npm run plan -- --stack minikube`: median wall time against the median of
 *   `node -e "require('@pulumi/pulumi'); require('@pulumi/kubernetes')"` (target: at most 2×),
 *   and the plan process's peak RSS (target: at most 400 MB);
 * - the policy pack over 1,000 resources (target: at most 1 s).
 * Runs alternate between baseline and plan so that load on the machine hits both alike.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { ManifestObject, manifestResources } from "./manifests";
import { ROOT, pack } from "./plan-lib";
import { resolvePolicyConfig, runPolicyPack } from "./policy-harness";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Math.max(1, Number(values.runs) || 5);

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) {
        throw new Error(`${command} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    }
    return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-bench-"));
    const rssFile = path.join(tmp, "rss");
    // Preloaded into the plan's node process: writes its peak RSS (KiB) when it exits.
    const preload = path.join(tmp, "rss.js");
    fs.writeFileSync(preload, `process.on("exit", () => { if (process.argv.some(a => a.endsWith("launch.js"))) require("fs").writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)); });\n`);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const baseline: number[] = [];
    const planned: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
        baseline.push(timed(process.execPath, ["-e", "require('@pulumi/pulumi'); require('@pulumi/kubernetes')"]));
        planned.push(timed(npm, ["run", "--silent", "plan", "--", "--stack", "minikube", "--out", path.join(tmp, "out")],
            { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${preload}`.trim() }));
        rss.push(Number(fs.readFileSync(rssFile, "utf8")) / 1024);
    }

    // The pack over 1,000 resources: 250 each of Deployment, Service, HPA and PVC in 25 namespaces.
    const objects: ManifestObject[] = [];
    for (let i = 0; i < 250; i++) {
        const ns = `ns-${i % 25}`;
        const name = `app-${i}`;
        objects.push({
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: ns },
            spec: {
                selector: { matchLabels: { app: name } },
                template: {
                    metadata: { labels: { app: name } },
                    spec: {
                        containers: [{ name, image: "example/app:1.0.0", resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } }, readinessProbe: { httpGet: { path: "/", port: 80 } } }],
                        volumes: [{ name: "data", persistentVolumeClaim: { claimName: `${name}-data` } }],
                    },
                },
            },
        });
        objects.push({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 80 }] } });
        objects.push({
            apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name, namespace: ns },
            spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name }, minReplicas: 2, maxReplicas: 4, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] },
        });
        objects.push({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: `${name}-data`, namespace: ns }, spec: { accessModes: ["ReadWriteMany"], storageClassName: "fast", resources: { requests: { storage: "1Gi" } } } });
    }
    const resources = manifestResources(objects);
    const config = resolvePolicyConfig(pack.args, {});
    const packTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        await runPolicyPack(pack, resources, config);
        packTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
    }

    const b = median(baseline);
    const p = median(planned);
    const peak = Math.max(...rss);
    const packMs = median(packTimes);
    const rows = [
        ["`node -e \"require('@pulumi/pulumi'); require('@pulumi/kubernetes')\"`", `${b.toFixed(0)} ms`, "(baseline)"],
        ["`npm run plan -- --stack minikube`", `${p.toFixed(0)} ms (${(p / b).toFixed(2)}× baseline)`, `≤ 2× baseline: ${p <= 2 * b ? "met" : "NOT met"}`],
        ["plan peak RSS", `${peak.toFixed(0)} MB`, `≤ 400 MB: ${peak <= 400 ? "met" : "NOT met"}`],
        [`policy pack over ${resources.length} resources`, `${packMs.toFixed(0)} ms`, `≤ 1 s: ${packMs <= 1000 ? "met" : "NOT met"}`],
    ];
    console.log(`kubelab benchmark: ${runs} runs each, medians; ${os.cpus().length} CPUs, node ${process.version}\n`);
    console.log("| what | measured | target |\n|---|---|---|");
    for (const r of rows) {
        console.log(`| ${r.join(" | ")} |`);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch(err => {
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = 2;
});
