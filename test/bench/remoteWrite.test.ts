import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BenchPrometheus, startPrometheus } from "../../bench/history/prometheus";
import { remoteWrite, snappyLiterals } from "../../bench/history/remoteWrite";
import { stackConfig } from "../support/fixtures";

/** The bench writes its live head through the remote-write receiver of the built Prometheus. */
describe("remote write to the built Prometheus", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-rw-"));
  let prometheus: BenchPrometheus;
  beforeAll(async () => {
    prometheus = await startPrometheus(stackConfig("prod"), path.join(dir, "data"), path.join(dir, "config"));
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const query = async (q: string) =>
    (
      (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      }
    ).data.result;

  it("appends every sample of every series, labels and values as written", async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    // Enough series that the request spans several 64 KiB literal runs.
    const series = Array.from({ length: 3000 }, (_, i) => ({
      labels: { __name__: "bench_written_total", series: String(i), job: "bench", instance: "a:1" },
      samples: [
        [i, now - 30_000],
        [i + 0.5, now - 15_000],
        [i + 1.25, now],
      ] as [number, number][],
    }));
    await remoteWrite(prometheus.url, series);
    const counted = await query("count_over_time(bench_written_total[1m])");
    expect(counted.length).toBe(3000);
    expect(new Set(counted.map((r) => r.value[1]))).toEqual(new Set(["3"]));
    const one = await query('bench_written_total{series="2999"}');
    expect(one.map((r) => [r.metric, r.value[1]])).toEqual([
      [{ __name__: "bench_written_total", series: "2999", job: "bench", instance: "a:1" }, "3000.25"],
    ]);
  });

  it("loads the deployed rule files through Prometheus's own config reload (the deployed command line has no /-/reload)", async () => {
    await prometheus.loadRules();
    const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: { name: string }[] } };
    expect(rules.data.groups.length).toBeGreaterThan(0);
  }, 150_000);

  it("frames snappy literals of at most 64 KiB after the length", () => {
    const framed = snappyLiterals(Buffer.alloc(70_000, 7));
    // varint 70000 = 0xf0 0xa2 0x04; tag 62<<2 with length-1 65535 in three bytes; then the 4464-byte rest.
    expect([...framed.subarray(0, 7)]).toEqual([0xf0, 0xa2, 0x04, 0xf8, 0xff, 0xff, 0x00]);
    expect([...framed.subarray(7 + 65536, 7 + 65536 + 4)]).toEqual([0xf8, 0x6f, 0x11, 0x00]);
    expect(framed.length).toBe(3 + 4 + 65536 + 4 + 4464);
  });
});
