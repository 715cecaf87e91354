/**
 * The graph's pure parts: the PNG encoder (read back by an independent decoder: signature, every
 * CRC, IHDR, palette, pixels), the rasterizer and font, and the graph itself: the threshold and
 * the firing start drawn where their values and times are, legible sizes, Telegram's limits.
 */
import { deflateSync } from "zlib";
import { ADVANCE, CAP_ROWS, glyphRows, textWidth } from "../../bridge/src/graph/font";
import { crc32, encodeIndexedPng } from "../../bridge/src/graph/png";
import { Raster } from "../../bridge/src/graph/raster";
import {
  ascii,
  GRAPH_HEIGHT,
  GRAPH_WIDTH,
  GraphSpec,
  niceTicks,
  plotArea,
  renderGraph,
  shortValue,
  tickLabels,
} from "../../bridge/src/graph/render";
import { TELEGRAM_LIMITS } from "../../bridge/src/telegramLimits";
import { decodePng } from "../../harness/png";

const RED: readonly number[] = [211, 47, 47];
const BLUE: readonly number[] = [21, 101, 192];

describe("the PNG encoder", () => {
  it("writes the signature, IHDR, PLTE, IDAT and IEND with CRCs a separate decoder accepts, and the pixels back", () => {
    const pixels = Uint8Array.from({ length: 7 * 3 }, (_, i) => i % 3);
    const png = encodeIndexedPng(
      7,
      3,
      [
        [255, 255, 255],
        [0, 0, 0],
        [255, 0, 0],
      ],
      pixels,
    );
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const d = decodePng(png);
    expect(d).toMatchObject({
      width: 7,
      height: 3,
      bitDepth: 4,
      colorType: 3,
      palette: [
        [255, 255, 255],
        [0, 0, 0],
        [255, 0, 0],
      ],
      chunks: ["IHDR", "PLTE", "IDAT", "IEND"],
    });
    // An odd width leaves half a byte per row: the pixels still come back exactly.
    expect([...d.pixels!]).toEqual([...pixels]);
  });

  it("uses 8 bits per pixel above 16 colours", () => {
    const palette = Array.from({ length: 17 }, (_, i) => [i, i, i] as const);
    const pixels = Uint8Array.from({ length: 17 }, (_, i) => i);
    const d = decodePng(encodeIndexedPng(17, 1, palette, pixels));
    expect([d.bitDepth, [...d.pixels!]]).toEqual([8, [...pixels]]);
  });

  it("computes the CRC-32 of PNG (the check value of '123456789' is cbf43926)", () => {
    expect(((crc32(Buffer.from("123456789")) ^ 0xffffffff) >>> 0).toString(16)).toBe("cbf43926");
  });

  it("a corrupted byte is caught by the chunk's CRC", () => {
    const png = encodeIndexedPng(
      4,
      4,
      [
        [0, 0, 0],
        [255, 255, 255],
      ],
      new Uint8Array(16),
    );
    const bad = Buffer.from(png);
    bad[20] ^= 1; // inside IHDR's width
    expect(() => decodePng(bad)).toThrow("chunk IHDR: bad CRC");
  });

  it("refuses pixels that do not match the size, or a palette it cannot write", () => {
    expect(() => encodeIndexedPng(2, 2, [[0, 0, 0]], new Uint8Array(3))).toThrow("expected 4 pixels, got 3");
    expect(() => encodeIndexedPng(1, 1, [], new Uint8Array(1))).toThrow("a PNG palette holds 1-256 colours, got 0");
  });
});

describe("the test's own decoder", () => {
  it("undoes every row filter (so it can read any indexed PNG, not only the bridge's)", () => {
    // Rows of 4 one-byte pixels with filters 1-4 whose results are known: 0 1 2 3 each time.
    const rows = [
      [1, 0, 1, 1, 1], // Sub
      [2, 0, 0, 0, 0], // Up: same as the row above
      [3, 0, 1, 1, 1], // Average of left and up
      [4, 0, 0, 0, 0], // Paeth: picks up (left-up equal)
    ];
    const ihdr = Buffer.from([0, 0, 0, 4, 0, 0, 0, 4, 8, 3, 0, 0, 0]);
    const chunk = (type: string, data: Buffer) => {
      const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      body.copy(out, 4);
      out.writeUInt32BE((crc32(body) ^ 0xffffffff) >>> 0, 8 + data.length);
      return out;
    };
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk("IHDR", ihdr),
      chunk("PLTE", Buffer.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])),
      chunk("IDAT", deflateSync(Buffer.from(rows.flat()))),
      chunk("IEND", Buffer.alloc(0)),
    ]);
    expect([...decodePng(png).pixels!]).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
  });
});

describe("the rasterizer and its font", () => {
  const shape = (r: Raster, x0: number, y0: number, w: number, h: number) =>
    Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => (r.at(x0 + x, y0 + y) ? "#" : ".")).join(""));

  it("draws glyphs from the embedded font, 7 rows above the baseline, descenders below", () => {
    const r = new Raster(30, 10);
    r.text(0, 0, "0g", 1, 1);
    expect(shape(r, 0, 0, 5, 9)).toEqual([".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###.", ".....", "....."]);
    expect(shape(r, ADVANCE, 0, 5, 9)).toEqual([".....", ".....", ".####", "#...#", "#...#", ".####", "....#", "#...#", ".###."]);
  });

  it("every printable ASCII character has a glyph; anything else is drawn as '?'", () => {
    for (let c = 33; c < 127; c++) expect(glyphRows(String.fromCharCode(c)).some((row) => row > 0)).toBe(true);
    expect(glyphRows(" ").every((row) => row === 0)).toBe(true);
    expect(glyphRows("é")).toEqual(glyphRows("?"));
    expect(ascii("café 🔥")).toBe("caf? ?");
  });

  it("scales each font pixel to a square and measures text the way it draws it", () => {
    const r = new Raster(40, 30);
    r.text(1, 1, "I", 1, 3);
    // "I" is 3 pixels wide at the top: 9 at scale 3, starting at column 1 + 3.
    expect(shape(r, 0, 1, 16, 1)).toEqual(["....#########..."]);
    expect([textWidth("", 3), textWidth("I", 3), textWidth("II", 3)]).toEqual([0, 15, 33]);
  });

  it("draws thick lines end to end, clipped to the canvas", () => {
    const r = new Raster(10, 10);
    r.line(-5, 5, 20, 5, 2, 3);
    expect(shape(r, 0, 3, 10, 5)).toEqual([".........."].concat(Array(3).fill("##########"), [".........."]));
    r.line(0, 0, 9, 9, 1, 1);
    expect([r.at(0, 0), r.at(4, 4), r.at(9, 9)]).toEqual([1, 1, 1]);
  });
});

describe("axis ticks and values", () => {
  it("ticks fall on 1, 2 or 5 times a power of ten", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.02, 0.98)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(-3, 12)).toEqual([0, 5, 10]);
    expect(niceTicks(1_150_000, 1_260_000)).toEqual([1_160_000, 1_180_000, 1_200_000, 1_220_000, 1_240_000, 1_260_000]);
  });
  it("labels carry the decimals their step needs, and k/M/G from 10,000 on", () => {
    expect(tickLabels([0.2, 0.4, 0.6])).toEqual(["0.2", "0.4", "0.6"]);
    expect(tickLabels([0.05, 0.1, 0.15])).toEqual(["0.05", "0.10", "0.15"]);
    expect(tickLabels([0, 5, 10])).toEqual(["0", "5", "10"]);
    expect(tickLabels([1_160_000, 1_180_000, 1_200_000])).toEqual(["1.16M", "1.18M", "1.20M"]);
    expect(tickLabels([0, 20_000, 40_000])).toEqual(["0", "20k", "40k"]);
  });
  it("legend values have at most 3 significant digits", () => {
    expect([shortValue(0.91234), shortValue(1209600), shortValue(950), shortValue(0.00002), shortValue(0), shortValue(-12345)]).toEqual([
      "0.912",
      "1.21M",
      "950",
      "2.0e-5",
      "0",
      "-12.3k",
    ]);
  });
});

describe("the graph", () => {
  const endS = Date.parse("2026-11-25T10:47:00Z") / 1000;
  const startS = endS - 3600;
  const ramp = (from: number, to: number) =>
    Array.from({ length: 181 }, (_, i) => [startS + i * 20, from + ((to - from) * i) / 180] as const);
  const spec: GraphSpec = {
    series: [
      { name: "name=worker", points: ramp(0.5, 0.95) },
      { name: "name=collector", points: ramp(0.3, 0.4) },
    ],
    hidden: 2,
    startS,
    endS,
    stepS: 20,
    threshold: { op: ">", value: 0.9 },
    firingSinceS: endS - 600,
  };
  const decoded = new Map<Buffer, ReturnType<typeof decodePng>>();
  const colour = (png: Buffer, x: number, y: number) => {
    if (!decoded.has(png)) decoded.set(png, decodePng(png));
    const d = decoded.get(png)!;
    return d.palette[d.pixels![y * d.width + x]];
  };

  it("is an 800x400 indexed PNG of a few kilobytes, far within Telegram's photo limits", () => {
    const png = renderGraph(spec);
    const d = decodePng(png);
    expect([d.width, d.height, d.colorType, d.bitDepth]).toEqual([GRAPH_WIDTH, GRAPH_HEIGHT, 3, 4]);
    expect(png.length).toBeLessThan(100 * 1024);
    expect(png.length).toBeLessThan(TELEGRAM_LIMITS.photoBytes);
    expect(d.width + d.height).toBeLessThanOrEqual(TELEGRAM_LIMITS.photoSideSum);
    expect(d.width / d.height).toBeLessThanOrEqual(TELEGRAM_LIMITS.photoRatio);
  });

  it("draws the threshold as a dashed red line on the row of its value, the side that breaks it tinted", () => {
    const png = renderGraph(spec);
    const p = plotArea(spec);
    const row = p.y(0.9);
    const reds = Array.from({ length: p.right - p.left }, (_, i) => colour(png, p.left + i, row)).filter(
      (c) => c.join() === RED.join(),
    ).length;
    // Dashes of 10 with gaps of 6, less where a series crosses.
    expect(reds).toBeGreaterThan((p.right - p.left) * 0.5);
    expect(reds).toBeLessThan((p.right - p.left) * 0.7);
    // Above the line (breaking "> 0.9") is tinted, below is not.
    expect(colour(png, p.left + 40, row - 12)).toEqual([253, 234, 232]);
    expect(colour(png, p.left + 40, row + 12)).toEqual([255, 255, 255]);
    // Nothing red on the rows well above or below, left of the labels and the firing line.
    for (const y of [row - 30, row + 30]) {
      const redHere = Array.from({ length: 200 }, (_, i) => colour(png, p.left + i, y)).some((c) => c.join() === RED.join());
      expect(redHere).toBe(false);
    }
  });

  it("marks the firing start with a dashed red line at its time, labelled with it", () => {
    const png = renderGraph(spec);
    const p = plotArea(spec);
    const x = p.x(endS - 600);
    const reds = Array.from({ length: p.bottom - p.top }, (_, i) => colour(png, x, p.top + i)).filter(
      (c) => c.join() === RED.join(),
    ).length;
    expect(reds).toBeGreaterThan((p.bottom - p.top) * 0.5);
    // Its column is the time's: 10 of the window's 60 minutes before the right edge.
    expect(x).toBe(Math.round(p.left + (50 / 60) * (p.right - p.left)));
  });

  it("draws the first series on top, in the first colour, ending at its last value's row", () => {
    const png = renderGraph(spec);
    const p = plotArea(spec);
    expect(colour(png, p.right, p.y(0.95))).toEqual(BLUE);
    expect(colour(png, p.left, p.y(0.5))).toEqual(BLUE);
  });

  it("text is drawn at 3x: a capital is 21 pixels high", () => {
    expect(CAP_ROWS * 3).toBe(21);
    const png = renderGraph({ ...spec, series: [{ name: "I", points: spec.series[0].points }], hidden: 0 });
    // The legend's "I" stands at x = 12 + 34 (after the swatch); its stem is column 2 of the glyph.
    const stem = Array.from({ length: 30 }, (_, y) => colour(png, 12 + 34 + 2 * 3 + 1, 12 + y)).filter(
      (c) => c.join() === "32,33,36",
    ).length;
    expect(stem).toBe(21);
  });

  it("without a threshold or samples it still draws; the legend says when there is no data", () => {
    const png = renderGraph({ series: [], hidden: 0, startS, endS, stepS: 20 });
    expect(decodePng(png).width).toBe(GRAPH_WIDTH);
    const flat = renderGraph({ ...spec, threshold: undefined, firingSinceS: startS - 600, series: [{ name: "x", points: ramp(5, 5) }] });
    expect(decodePng(flat).height).toBe(GRAPH_HEIGHT);
  });
});
