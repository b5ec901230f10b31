// A small inline SVG line of numbers, drawn on the server: no script, no image request, styled by app.css.
import { html } from "hono/html";
import type { Markup } from "./layout.js";

export interface SparklineOptions {
  width?: number;
  height?: number;
  /** What the line shows, for screen readers and the tooltip. */
  label: string;
  testId?: string;
}

/** Oldest value first. Nothing for fewer than two values (a line needs two points). */
export function sparkline(values: readonly number[], options: SparklineOptions): Markup | "" {
  if (values.length < 2) return "";
  const width = options.width ?? 120;
  const height = options.height ?? 24;
  const pad = 2;
  const max = Math.max(1, ...values);
  const step = (width - 2 * pad) / (values.length - 1);
  const points = values.map((value, i) => [pad + i * step, height - pad - (Math.max(0, value) / max) * (height - 2 * pad)] as const);
  const text = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  const [lastX, lastY] = points[points.length - 1] ?? [0, 0];
  const title = `${options.label}: ${values.join(", ")}`;
  return html`<svg class="spark" data-testid="${options.testId ?? "sparkline"}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}"><title>${title}</title><polyline points="${text}"></polyline><circle cx="${lastX.toFixed(1)}" cy="${lastY.toFixed(1)}" r="2"></circle></svg>`;
}
