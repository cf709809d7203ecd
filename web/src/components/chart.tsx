import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useText } from '../i18n';

export interface ChartLine {
  readonly label: string;
  /** One value per time; null draws a gap. */
  readonly values: readonly (number | null)[];
  readonly color?: string;
}

// Distinguishable in light and dark alike.
const palette = ['#3b82f6', '#e4572e', '#17a673', '#a855f7', '#d9a300', '#0ea5b7', '#e0569b', '#7c8a9a'];

export const lineColor = (index: number) => palette[index % palette.length] ?? '#3b82f6';

/** A colour variable of the theme as the canvas needs it: resolved (the variables hold light-dark() pairs). */
function themeColor(within: HTMLElement, variable: string): string {
  const probe = document.createElement('span');
  probe.style.color = `var(${variable})`;
  within.append(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color;
}

/**
 * A time-series line chart (uPlot: 22 KB compressed against Chart.js's 56, README "Console").
 * Redrawn when the data or the theme changes, resized with its container.
 */
export function LineChart(props: {
  readonly label: string;
  /** Epoch milliseconds, ascending. */
  readonly times: readonly number[];
  readonly series: readonly ChartLine[];
  readonly height?: number;
}) {
  const { label, times, series, height = 240 } = props;
  // The time axis' name in the legend (uPlot's own is English).
  const timeLabel = useText().common.time;
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let chart: uPlot | undefined;
    const draw = () => {
      chart?.destroy();
      const axis = {
        stroke: themeColor(element, '--muted'),
        grid: { stroke: themeColor(element, '--border'), width: 1 },
        ticks: { stroke: themeColor(element, '--border'), width: 1 },
      };
      chart = new uPlot(
        {
          width: Math.max(element.clientWidth, 200),
          height,
          cursor: { drag: { x: false, y: false } },
          axes: [axis, { ...axis, size: 56 }],
          series: [
            { label: timeLabel },
            ...series.map((line, index) => ({
              label: line.label,
              stroke: line.color ?? lineColor(index),
              width: 2,
              points: { show: times.length < 3 },
            })),
          ],
          scales: { x: { time: true } },
        },
        [times.map((ms) => ms / 1000), ...series.map((line) => [...line.values])] as uPlot.AlignedData,
        element,
      );
    };
    draw();
    const resize = new ResizeObserver(() =>
      chart?.setSize({ width: Math.max(element.clientWidth, 200), height }),
    );
    resize.observe(element);
    // The axes take their colours from the theme: a new theme redraws them.
    const themeChange = new MutationObserver(draw);
    themeChange.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', draw);
    return () => {
      resize.disconnect();
      themeChange.disconnect();
      scheme.removeEventListener('change', draw);
      chart?.destroy();
    };
  }, [times, series, height, timeLabel]);
  return <figure class="chart" ref={box} aria-label={label} role="img" />;
}
