import * as fs from "fs";
import * as net from "net";
import { FETCH_BAD_PORTS, freePort } from "../harness/ports";

/** What the servers of every tier rely on: freePort's ports are distinct, bindable, and clear of the ephemeral range. */
describe("freePort", () => {
  it("never hands a port out twice in one process, and each is below the ephemeral range and bindable", async () => {
    const [low] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    const ports: number[] = [];
    for (let i = 0; i < 200; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.filter((p) => p >= low)).toEqual([]);
    const s = net.createServer();
    await new Promise<void>((resolve, reject) => s.once("error", reject).listen(ports[0], "127.0.0.1", resolve));
    await new Promise((r) => s.close(r));
  });

  it("never hands out a port fetch refuses to connect to (10080, in the first worker's block)", async () => {
    const refused = await fetch("http://127.0.0.1:10080/").catch((e: Error & { cause?: Error }) => e.cause?.message);
    expect(refused).toBe("bad port");
    // A fresh copy of the module as the first worker, whose block (10000–11499) holds 10080: every port it has.
    const saved = process.env.JEST_WORKER_ID;
    process.env.JEST_WORKER_ID = "1";
    let fresh: typeof freePort = freePort;
    jest.isolateModules(() => (fresh = require("../harness/ports").freePort));
    process.env.JEST_WORKER_ID = saved;
    const ports: number[] = [];
    for (;;) {
      const port = await fresh().catch(() => undefined);
      if (port === undefined) break;
      ports.push(port);
    }
    expect(ports.length).toBeGreaterThan(1000);
    expect(ports.filter((p) => FETCH_BAD_PORTS.has(p))).toEqual([]);
  });

  it("skips a port someone else is listening on", async () => {
    const taken = await freePort();
    const s = net.createServer();
    await new Promise<void>((resolve) => s.listen(taken + 1, "127.0.0.1", resolve));
    try {
      expect(await freePort()).not.toBe(taken + 1);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});
