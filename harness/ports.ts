import * as dgram from "dgram";
import * as fs from "fs";
import * as net from "net";

/**
 * Ports for the servers a test starts. The kernel's own choice (listen on 0) is a port from the
 * ephemeral range, the same range every outgoing connection on the machine draws from: between
 * handing such a port out and the program binding it, another test's client may take it (CI saw
 * "bind: address already in use" exactly that way). So ports come from below the ephemeral range,
 * where only listeners live; each jest worker draws from its own block so parallel test files never
 * pick the same one; and a port is handed out once per process. Every candidate is still probed
 * (TCP and UDP, for Alertmanager's gossip) because other programs may listen there.
 */
const BLOCK = 1500;
const FLOOR = 10_000;
/**
 * Ports the Fetch standard calls "bad": Node's fetch refuses to connect to them ("bad port"), so a
 * server there cannot be reached by a test that uses fetch. Only these are at or above FLOOR.
 */
export const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([10080]);

function ephemeralLow(): number {
  try {
    const [low] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function workerBlock(): { from: number; to: number } | undefined {
  const blocks = Math.floor((ephemeralLow() - FLOOR) / BLOCK);
  if (blocks < 1) return undefined;
  const worker = Number(process.env.JEST_WORKER_ID ?? "0");
  const index = (Number.isInteger(worker) && worker > 0 ? worker - 1 : process.pid) % blocks;
  const from = FLOOR + index * BLOCK;
  return { from, to: from + BLOCK };
}

const handedOut = new Set<number>();
const block = workerBlock();
let next = block ? block.from + (process.pid % BLOCK) : 0;

function bindsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

function bindsUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    s.once("error", () => {
      s.close();
      resolve(false);
    });
    s.bind(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A loopback port free for TCP and UDP, never handed out before in this process. */
export async function freePort(): Promise<number> {
  if (!block) {
    // The ephemeral range starts too low to leave room below it: the kernel's choice is all there is.
    let port = await kernelPort();
    while (handedOut.has(port)) port = await kernelPort();
    handedOut.add(port);
    return port;
  }
  for (let tried = 0; tried < BLOCK; tried++) {
    const port = next;
    next = next + 1 >= block.to ? block.from : next + 1;
    if (handedOut.has(port) || FETCH_BAD_PORTS.has(port)) continue;
    if ((await bindsTcp(port)) && (await bindsUdp(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port left in ${block.from}-${block.to - 1}`);
}
