// uPlot (loaded as a classic script before the modules: the global uPlot) for the latency
// sparklines of the overview and the latency chart of a check page.

const uPlot = globalThis.uPlot;

const LATENCY_COLOUR = '#2563eb';
const P95_COLOUR = '#f59e0b';

/** A small line of the overview's latency buckets (oldest first); null buckets are gaps. */
export function sparkline(container, values) {
  const points = Array.isArray(values) ? values : [];
  if (!uPlot || points.every((value) => value === null)) {
    container.replaceChildren();
    container.classList.add('sparkline-empty');
    container.textContent = 'no latency yet';
    return undefined;
  }
  container.classList.remove('sparkline-empty');
  container.replaceChildren();
  return new uPlot({
    width: 160,
    height: 36,
    cursor: { show: false },
    legend: { show: false },
    select: { show: false },
    scales: { x: { time: false } },
    axes: [{ show: false }, { show: false }],
    // A line needs two neighbouring buckets; until there are a few, the buckets show as dots.
    series: [{}, { stroke: LATENCY_COLOUR, width: 1.5, points: { show: points.filter((value) => value !== null).length < 3, size: 4, fill: LATENCY_COLOUR } }],
  }, [points.map((_, index) => index), points], container);
}

/**
 * The check page's latency over its range: p50 and p95 per bucket, time on x. Resizes with
 * its container.
 */
export function latencyChart(container, points) {
  container.replaceChildren();
  container.hidden = false;
  if (!uPlot) return undefined;
  const xs = points.map((point) => Date.parse(point.at) / 1000);
  // The container's padding is inside clientWidth; uPlot's width is the canvas's.
  const width = () => Math.max(300, container.clientWidth - 16);
  const sparse = points.filter((point) => point.latencyP50Ms !== null).length < 20;
  const chart = new uPlot({
    width: width(),
    height: 260,
    scales: { x: { time: true } },
    axes: [{}, { label: 'latency (ms)', size: 60 }],
    series: [
      {},
      { label: 'p50 ms', stroke: LATENCY_COLOUR, width: 1.5, points: { show: sparse, size: 4, fill: LATENCY_COLOUR }, value: (_, v) => (v === null ? '–' : `${Math.round(v)}`) },
      { label: 'p95 ms', stroke: P95_COLOUR, width: 1, points: { show: sparse, size: 3, fill: P95_COLOUR }, value: (_, v) => (v === null ? '–' : `${Math.round(v)}`) },
    ],
  }, [xs, points.map((point) => point.latencyP50Ms), points.map((point) => point.latencyP95Ms)], container);
  const resize = () => chart.setSize({ width: width(), height: 260 });
  window.addEventListener('resize', resize);
  return { chart, destroy: () => { window.removeEventListener('resize', resize); chart.destroy(); } };
}
