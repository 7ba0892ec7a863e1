/** `aloft sim report`: a run's timeline derived from its journal, as text, Markdown and a PNG chart. */
import { renderChart } from './chart.ts';
import { encodePng } from './png.ts';
import { reportTitle } from './text.ts';
import type { Timeline } from './timeline.ts';

export { deriveTimeline, HEALTHY_RUN, type Incident, type Timeline } from './timeline.ts';
export { renderReport, renderMarkdown, reportTitle } from './text.ts';
export { renderChart, niceStep, CHART } from './chart.ts';
export { encodePng, crc32 } from './png.ts';
export { createRaster, hex, type Raster, type Rgb } from './raster.ts';

/** The run's chart as PNG bytes. */
export function chartPng(timeline: Timeline): Buffer {
  const r = renderChart(timeline, reportTitle(timeline));
  return encodePng(r.width, r.height, r.pixels);
}
