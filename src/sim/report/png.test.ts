import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import type { JournalRecord } from '../journal.ts';
import { CHART, renderChart } from './chart.ts';
import { encodePng } from './png.ts';
import { createRaster, hex } from './raster.ts';
import { deriveTimeline } from './timeline.ts';

/** A minimal PNG reader for what encodePng writes: checks every chunk's CRC, returns RGB rows. */
function decodePng(png: Buffer): {
  width: number;
  height: number;
  pixel(x: number, y: number): number[];
} {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  const chunks: { type: string; data: Buffer }[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    const crc = png.readUInt32BE(off + 8 + len);
    assert.equal(crc, zlibCrc32(png.subarray(off + 4, off + 8 + len)), `CRC of ${type}`);
    chunks.push({ type, data });
    off += 12 + len;
  }
  assert.equal(off, png.length, 'no trailing bytes');
  assert.deepEqual(
    chunks.map((c) => c.type),
    ['IHDR', 'IDAT', 'IEND'],
  );
  const ihdr = chunks[0]?.data ?? Buffer.alloc(0);
  assert.equal(ihdr.length, 13);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  assert.deepEqual([...ihdr.subarray(8)], [8, 2, 0, 0, 0], 'RGB, 8 bits, no interlace');
  const raw = inflateSync(chunks[1]?.data ?? Buffer.alloc(0));
  const stride = width * 3 + 1;
  assert.equal(raw.length, stride * height);
  for (let y = 0; y < height; y++) assert.equal(raw[y * stride], 0, `filter of row ${y}`);
  return {
    width,
    height,
    pixel: (x, y) => [...raw.subarray(y * stride + 1 + x * 3, y * stride + 4 + x * 3)],
  };
}

describe('sim report: PNG', () => {
  it('encodes a raster that a reader decodes to the same pixels', () => {
    const r = createRaster(40, 30, hex('#ffffff'));
    r.line(0, 10, 39, 10, hex('#ff0000'));
    r.rect(5, 20, 3, 2, hex('#00ff00'));
    const png = decodePng(encodePng(r.width, r.height, r.pixels));
    assert.equal(png.width, 40);
    assert.equal(png.height, 30);
    assert.deepEqual(png.pixel(0, 10), [255, 0, 0]);
    assert.deepEqual(png.pixel(39, 10), [255, 0, 0]);
    assert.deepEqual(png.pixel(6, 21), [0, 255, 0]);
    assert.deepEqual(png.pixel(6, 11), [255, 255, 255]);
    assert.deepEqual(png.pixel(20, 0), [255, 255, 255]);
  });

  it('refuses a pixel buffer of the wrong size', () => {
    assert.throws(() => encodePng(2, 2, new Uint8Array(11)), /expected 12 bytes/);
  });

  it('draws the chart: the load, the p99 spike and the fault marker where they belong', () => {
    const T0 = 1_700_000_000_000;
    const records: JournalRecord[] = [
      { type: 'start', at: T0, component: 'echo', desired: { aws: 1, gcp: 1 }, ratePerCloud: 40 },
    ];
    for (let i = 1; i <= 20; i++) {
      records.push({
        type: 'second',
        at: T0 + i * 1000,
        servedBy: { aws: 40, gcp: 30 }, // 70 of 80 on the axis
        errors: 0,
        p50Ms: 0.5,
        p99Ms: i === 11 ? 1000 : 2,
      });
    }
    records.push({ type: 'fault', at: T0 + 10_000, kind: 'kill', targets: ['gcp'] });
    const chart = renderChart(deriveTimeline(records), 'test');
    const png = decodePng(encodePng(chart.width, chart.height, chart.pixels));
    assert.equal(png.width, CHART.width);
    assert.equal(png.height, CHART.height);
    const column = (x: number, y0: number, y1: number): number[][] =>
      Array.from({ length: y1 - y0 }, (_, i) => png.pixel(x, y0 + i));
    const red = (p: number[]): boolean => (p[0] ?? 0) > 200 && (p[1] ?? 0) < 80 && (p[2] ?? 0) < 80;
    const purple = (p: number[]): boolean => p[0] === 0x6a && p[1] === 0x1b && p[2] === 0x9a;
    // x runs 0..20 s over the plot (84..870 px): the fault at 10 s is at x = 477.
    assert.ok(column(477, 120, 330).some(red), 'the fault line crosses the throughput panel');
    assert.ok(!column(300, 120, 330).some(red), 'and nowhere else');
    // The latency panel (380..590 px) has the p99 line high at 11 s (x ≈ 516) and low at 5 s.
    const p99At = (x: number): number => column(x, 380, 590).findIndex(purple);
    assert.ok(p99At(516) >= 0 && p99At(280) >= 0, 'p99 drawn');
    assert.ok(
      p99At(516) < p99At(280) - 100,
      `the spike is drawn higher (${p99At(516)} vs ${p99At(280)})`,
    );
    // Calls served are shaded below the total line and blank above it.
    assert.notDeepEqual(png.pixel(300, 320), [255, 255, 255]);
    assert.deepEqual(png.pixel(300, 125), [255, 255, 255]); // the total (70) is drawn at y ≈ 140
  });
});
