/**
 * A STAND-IN for cAdvisor, used only in the docker tier. cAdvisor cannot be built here: its main
 * package is the separate Go module github.com/google/cadvisor/cmd, which the Go module proxy
 * does not serve. The stack's alert ContainerRestarted reads one cAdvisor series,
 * container_start_time_seconds, so this publishes exactly that series the way cAdvisor v0.57+
 * does (lib/metrics/prometheus.go, container/docker/handler.go at v0.60.x): the value is Docker's
 * State.StartedAt in whole seconds, for every running container of the engine (a container
 * between restarts has no cgroup, so no series); labels id (/docker/<id>), name, image, and with
 * cAdvisor's default -store_container_labels=true every Docker label as container_label_<name>,
 * including the `restartcount` label cAdvisor adds once Docker has restarted the container.
 * -store_container_labels=false keeps only -whitelisted_container_labels. It reads the engine
 * through its socket, mounted at /var/run/docker.sock, and answers on :8080 (/metrics, /healthz).
 */
import * as http from "http";
import { EXPOSITION_CONTENT_TYPE, familyHeader, sample, sortedLabels } from "../../../shared/exposition";

const SOCKET = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock";
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  for (const a of args) {
    const m = new RegExp(`^--?${name}(?:=(.*))?$`).exec(a);
    if (m) return m[1] ?? "true";
  }
  return undefined;
};
const storeLabels = (flag("store_container_labels") ?? "true") !== "false";
const whitelist = new Set((flag("whitelisted_container_labels") ?? "").split(",").filter(Boolean));

function engine(path: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: SOCKET, path, method: "GET", timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("engine timeout")));
    req.on("error", reject);
    req.end();
  });
}

const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");

async function metrics(): Promise<string> {
  const list = (await engine("/containers/json")) as { Id: string }[];
  const lines = familyHeader("container_start_time_seconds", "gauge", "Start time of the container since unix epoch in seconds.");
  for (const c of list) {
    const info = await engine(`/containers/${c.Id}/json`).catch(() => undefined);
    if (!info || !info.State || !(info.State.Pid > 0) || !info.State.StartedAt) continue;
    const docker: Record<string, string> = { ...(info.Config?.Labels ?? {}) };
    if (info.RestartCount > 0) docker.restartcount = String(info.RestartCount);
    const labels: Record<string, string> = {
      id: `/docker/${info.Id}`,
      name: String(info.Name).replace(/^\//, ""),
      image: info.Config?.Image ?? "",
    };
    for (const [k, v] of Object.entries(docker)) if (storeLabels || whitelist.has(k)) labels[`container_label_${sanitize(k)}`] = v;
    const started = Math.floor(Date.parse(info.State.StartedAt) / 1000);
    lines.push(sample("container_start_time_seconds", sortedLabels(labels), started));
  }
  return `${lines.join("\n")}\n`;
}

http
  .createServer((req, res) => {
    if (req.url === "/healthz") return void res.end("ok");
    if (req.url === "/metrics") {
      metrics().then(
        (body) => {
          res.setHeader("content-type", EXPOSITION_CONTENT_TYPE);
          res.end(body);
        },
        (e) => {
          res.statusCode = 500;
          res.end(String(e));
        },
      );
      return;
    }
    res.statusCode = 404;
    res.end();
  })
  .listen(8080, "0.0.0.0", () => process.stdout.write(`cAdvisor stand-in on :8080 (store_container_labels=${storeLabels})\n`));
process.once("SIGTERM", () => process.exit(0));
