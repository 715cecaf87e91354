import { spawnSync } from "child_process";
import { nodeExporterArgs } from "../../generators/commandLines";
import { requireTool } from "../../harness/tools";
import { useTempDirs } from "../support/tempDirs";

/**
 * The pinned node_exporter with the deployed command line, in a network namespace of the test's
 * own (`unshare --net`, with a mount namespace whose /sys shows that network namespace's devices)
 * that holds what a Docker host has: loopback, a NIC, Docker's bridges and a container's veth. node_exporter runs in the host's network namespace, so what it reports there
 * is what Prometheus stores: every device but the veth, in the netdev and netclass collectors.
 */
const tmp = useTempDirs();
const PORT = 9100;
const DEVICES = ["lo", "eth7", "docker0", "br-0a1b2c3d4e5f", "vethb7a91c2"];

/** Metric lines of the exporter's answer inside the namespace, and what the shell said. */
function scrapeInOwnNamespace(): { metrics: string; output: string; status: number | null } {
  const textfileDir = tmp.makeForFile("node-exporter-textfile-");
  const args = nodeExporterArgs({ rootfs: "/", textfileDir, listenAddress: `127.0.0.1:${PORT}` });
  const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = [
    "set -eu",
    // The netclass collector reads /sys/class/net, which shows the devices of the namespace that mounted it.
    "mount -t sysfs sysfs /sys",
    "ip link set lo up",
    // The NIC and the container's veth are the two ends of one pair; only names tell them apart.
    "ip link add eth7 type veth peer name vethb7a91c2",
    "ip link add docker0 type bridge",
    "ip link add br-0a1b2c3d4e5f type bridge",
    "for d in eth7 vethb7a91c2 docker0 br-0a1b2c3d4e5f; do ip link set \"$d\" up; done",
    `${quoted(requireTool("node_exporter"))} ${args.map(quoted).join(" ")} 2>/dev/null &`,
    "pid=$!",
    // Bounded: 100 tries 0.1 s apart.
    "i=0",
    `until busybox wget -q -O - http://127.0.0.1:${PORT}/metrics 2>/dev/null; do`,
    '  i=$((i + 1)); if [ "$i" -gt 100 ]; then kill "$pid"; echo "node_exporter never answered" >&2; exit 3; fi; sleep 0.1',
    "done",
    'kill "$pid"',
    'wait "$pid" || true',
  ].join("\n");
  const r = spawnSync("unshare", ["--net", "--mount", "sh", "-c", script], { encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { metrics: r.stdout, output: `${r.stderr}`, status: r.status };
}

const devicesOf = (metrics: string, metric: string) =>
  [...metrics.matchAll(new RegExp(`^${metric}\\{[^}]*device="([^"]+)"`, "gm"))].map((m) => m[1]).sort();

let metrics = "";
beforeAll(() => {
  const r = scrapeInOwnNamespace();
  if (r.status !== 0) throw new Error(`the namespace's script exited ${r.status}: ${r.output}`);
  metrics = r.metrics;
});

it.each(["node_network_receive_bytes_total", "node_network_transmit_bytes_total", "node_network_up"])(
  "%s: loopback, the NIC and Docker's bridges, not the container's veth",
  (metric) => {
    expect(devicesOf(metrics, metric)).toEqual(DEVICES.filter((d) => !d.startsWith("veth")).sort());
  },
);

it("no series of any collector names the veth", () => {
  expect(metrics.split("\n").filter((l) => l.includes("vethb7a91c2"))).toEqual([]);
  // The NIC, its pair's other end, is there under both collectors.
  expect(metrics).toMatch(/^node_network_info\{[^}]*device="eth7"/m);
});
