import { sampled, sampleRanges } from "../../scripts/mutationSample";

/** `npm run mutation -- <folder> --sample=<fraction>`: which lines a sampled run mutates. */
describe("the line sample of a sampled mutation run", () => {
  const code = Array.from({ length: 2000 }, (_, i) => `const v${i} = ${i};`).join("\n");

  it("takes about the fraction asked for, and the same lines every time", () => {
    const lines = (ranges: string[]) =>
      ranges.flatMap((r) => {
        const [, a, b] = /:(\d+)-(\d+)$/.exec(r)!;
        return Array.from({ length: Number(b) - Number(a) + 1 }, (_, i) => Number(a) + i);
      });
    const picked = lines(sampleRanges([{ file: "components/x.ts", text: code }], 0.2));
    expect(picked.length).toBeGreaterThan(340);
    expect(picked.length).toBeLessThan(460);
    expect(lines(sampleRanges([{ file: "components/x.ts", text: code }], 0.2))).toEqual(picked);
    expect(picked.every((n) => sampled("components/x.ts", n, 0.2))).toBe(true);
    // A line stays in the sample whatever the other files hold.
    expect(
      lines(
        sampleRanges(
          [
            { file: "components/a.ts", text: "x();" },
            { file: "components/x.ts", text: code },
          ],
          0.2,
        ).filter((r) => r.startsWith("components/x.ts")),
      ),
    ).toEqual(picked);
  });

  it("joins consecutive lines into one range and skips blank and comment lines", () => {
    const text = ["a();", "b();", "", "// note", "/** doc", " * more", " */", "c();"].join("\n");
    expect(sampleRanges([{ file: "f.ts", text }], 1)).toEqual(["f.ts:1-2", "f.ts:8-8"]);
  });

  it("refuses a fraction outside (0, 1], naming it", () => {
    expect(() => sampleRanges([], 0)).toThrow("--sample must be a fraction in (0, 1], got 0");
    expect(() => sampleRanges([], 1.5)).toThrow("got 1.5");
    expect(() => sampleRanges([], Number("x"))).toThrow("got NaN");
  });
});
