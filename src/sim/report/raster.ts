import { ADVANCE, GLYPH_HEIGHT, glyph } from './font.ts';

/** A colour as `[r, g, b]`, 0–255 each. */
export type Rgb = readonly [number, number, number];

/** `#rrggbb` → {@link Rgb}. */
export function hex(s: string): Rgb {
  const n = Number.parseInt(s.replace('#', ''), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

/** A small RGB canvas: lines, rectangles and bitmap text, nothing more than a chart needs. */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
  set(x: number, y: number, c: Rgb): void;
  get(x: number, y: number): Rgb;
  rect(x: number, y: number, w: number, h: number, c: Rgb): void;
  /** Blends `c` over the area with opacity `alpha` (0–1): for shaded bands. */
  shade(x: number, y: number, w: number, h: number, c: Rgb, alpha: number): void;
  /** A line `thickness` pixels wide; `dash` draws `[on, off]` pixel runs. */
  line(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    c: Rgb,
    thickness?: number,
    dash?: [number, number],
  ): void;
  /** Draws text with its top-left corner at (x, y); returns its width in pixels. */
  text(x: number, y: number, s: string, c: Rgb, scale?: number): number;
  /** Text turned 90° counter-clockwise, reading bottom to top, its bottom-left at (x, y). */
  textUp(x: number, y: number, s: string, c: Rgb, scale?: number): void;
}

/** Width in pixels of `s` drawn at `scale`. */
export const textWidth = (s: string, scale = 1): number => [...s].length * ADVANCE * scale - scale;
export const textHeight = (scale = 1): number => GLYPH_HEIGHT * scale;

export function createRaster(width: number, height: number, background: Rgb): Raster {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) pixels.set(background, i * 3);
  const set = (x: number, y: number, c: Rgb): void => {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
    pixels.set(c, (yi * width + xi) * 3);
  };
  const get = (x: number, y: number): Rgb => {
    const i = (y * width + x) * 3;
    return [pixels[i] ?? 0, pixels[i + 1] ?? 0, pixels[i + 2] ?? 0];
  };
  const rect = (x: number, y: number, w: number, h: number, c: Rgb): void => {
    for (let yy = Math.round(y); yy < Math.round(y + h); yy++)
      for (let xx = Math.round(x); xx < Math.round(x + w); xx++) set(xx, yy, c);
  };
  const glyphs = (s: string, scale: number, plot: (gx: number, gy: number) => void): void => {
    [...s].forEach((ch, i) => {
      glyph(ch).forEach((row, gy) =>
        row.forEach((on, gx) => {
          if (!on) return;
          for (let dy = 0; dy < scale; dy++)
            for (let dx = 0; dx < scale; dx++)
              plot(i * ADVANCE * scale + gx * scale + dx, gy * scale + dy);
        }),
      );
    });
  };
  return {
    width,
    height,
    pixels,
    set,
    get,
    rect,
    shade(x, y, w, h, c, alpha) {
      for (let yy = Math.max(0, Math.round(y)); yy < Math.min(height, Math.round(y + h)); yy++)
        for (let xx = Math.max(0, Math.round(x)); xx < Math.min(width, Math.round(x + w)); xx++) {
          const o = get(xx, yy);
          const mix = (a: number, b: number): number => Math.round(a * (1 - alpha) + b * alpha);
          set(xx, yy, [mix(o[0], c[0]), mix(o[1], c[1]), mix(o[2], c[2])]);
        }
    },
    line(x0, y0, x1, y1, c, thickness = 1, dash) {
      const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
      const half = (thickness - 1) / 2;
      for (let i = 0; i <= steps; i++) {
        if (dash && i % (dash[0] + dash[1]) >= dash[0]) continue;
        const x = x0 + ((x1 - x0) * i) / steps;
        const y = y0 + ((y1 - y0) * i) / steps;
        for (let d = -half; d <= half; d++) {
          if (Math.abs(x1 - x0) > Math.abs(y1 - y0)) set(x, y + d, c);
          else set(x + d, y, c);
        }
      }
    },
    text(x, y, s, c, scale = 1) {
      glyphs(s, scale, (gx, gy) => set(x + gx, y + gy, c));
      return textWidth(s, scale);
    },
    textUp(x, y, s, c, scale = 1) {
      glyphs(s, scale, (gx, gy) => set(x + gy, y - gx, c));
    },
  };
}
