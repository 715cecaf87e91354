import { ADVANCE, GLYPH_ROWS, GLYPH_WIDTH, glyphRows } from "./font";

/** A canvas of palette indices, one byte per pixel; everything drawn is clipped to it. */
export class Raster {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background = 0,
  ) {
    this.pixels = new Uint8Array(width * height).fill(background);
  }

  at(x: number, y: number): number {
    return this.pixels[y * this.width + x];
  }

  fillRect(x: number, y: number, w: number, h: number, color: number): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) this.pixels.fill(color, yy * this.width + x0, yy * this.width + Math.max(x0, x1));
  }

  /** A straight line `thickness` pixels wide (Bresenham, a square stamped at each step). */
  line(xa: number, ya: number, xb: number, yb: number, color: number, thickness = 1): void {
    let x0 = Math.round(xa);
    let y0 = Math.round(ya);
    const x1 = Math.round(xb);
    const y1 = Math.round(yb);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    const half = Math.floor((thickness - 1) / 2);
    let err = dx + dy;
    for (;;) {
      this.fillRect(x0 - half, y0 - half, thickness, thickness, color);
      if (x0 === x1 && y0 === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /** A dashed horizontal line centred on row y. */
  dashedHorizontal(x0: number, x1: number, y: number, color: number, thickness = 2, dash = 10, gap = 6): void {
    const top = Math.round(y) - Math.floor((thickness - 1) / 2);
    for (let x = Math.round(x0); x < x1; x += dash + gap) this.fillRect(x, top, Math.min(dash, x1 - x), thickness, color);
  }

  /** A dashed vertical line centred on column x. */
  dashedVertical(x: number, y0: number, y1: number, color: number, thickness = 2, dash = 10, gap = 6): void {
    const left = Math.round(x) - Math.floor((thickness - 1) / 2);
    for (let y = Math.round(y0); y < y1; y += dash + gap) this.fillRect(left, y, thickness, Math.min(dash, y1 - y), color);
  }

  /** Text with its top-left corner at (x, y), each font pixel a `scale`-sided square. */
  text(x: number, y: number, text: string, color: number, scale: number): void {
    let cx = Math.round(x);
    for (const ch of text) {
      const rows = glyphRows(ch);
      for (let r = 0; r < GLYPH_ROWS; r++) {
        for (let c = 0; c < GLYPH_WIDTH; c++)
          if (rows[r] & (1 << (GLYPH_WIDTH - 1 - c))) this.fillRect(cx + c * scale, Math.round(y) + r * scale, scale, scale, color);
      }
      cx += ADVANCE * scale;
    }
  }
}
