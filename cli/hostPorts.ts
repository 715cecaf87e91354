import * as fs from "fs";
import * as net from "net";

/**
 * Whether a port can be bound on this machine right now: the one test that also sees listeners
 * that are not containers (a Grafana installed from a package, a forgotten SSH tunnel).
 */
export function tryBind(address: string, port: number): Promise<{ free: true } | { free: false; code: string }> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (e: NodeJS.ErrnoException) => resolve({ free: false, code: e.code ?? e.message }));
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve({ free: true })));
  });
}

const LISTEN = "0A";

/** Socket inodes listening on a TCP port, from /proc/net/tcp and tcp6. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== LISTEN) continue;
      if (parseInt(cols[1].split(":")[1], 16) === port) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/**
 * The processes listening on a TCP port (`pid 1234 (grafana-server)`), found by the socket inodes
 * their file descriptors point at. Processes of other users are invisible without root.
 */
export function processesListeningOn(port: number): string[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const found: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m !== null && inodes.has(m[1]);
      } catch {
        return false;
      }
    });
    if (holds) {
      let command = "?";
      try {
        command = fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      } catch {
        // The process exited between the two reads; its pid still says who it was.
      }
      found.push(`pid ${pid} (${command})`);
    }
  }
  return found;
}
