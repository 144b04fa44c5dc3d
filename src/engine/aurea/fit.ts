// Least-squares lines through short series (a goal's samples, the loop's cycles): slope, intercept and fit.
import { linearRegression, rSquared } from 'simple-statistics';

export interface Line {
  /** Change of y per unit of x. */
  slope: number;
  /** y at x = 0. */
  intercept: number;
  /** Share of y's variance the line explains, 0–1; 1 when y does not vary at all. */
  rSquared: number;
  points: number;
}

export type Point = readonly [x: number, y: number];

/**
 * The least-squares line through the points; undefined with fewer than two distinct x or a non-finite
 * value. Callers pass x relative to a nearby origin (hours before now, a cycle index): sums of squares
 * of epoch milliseconds would lose the precision the fit needs.
 */
export function fitLine(points: readonly Point[]): Line | undefined {
  if (points.length < 2 || !points.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)))
    return undefined;
  const data = points.map(([x, y]) => [x, y]);
  const { m, b } = linearRegression(data);
  if (!Number.isFinite(m) || !Number.isFinite(b)) return undefined;
  const r2 = rSquared(data, (x) => m * x + b);
  return {
    slope: m,
    intercept: b,
    rSquared: Number.isFinite(r2) ? Math.min(1, Math.max(0, r2)) : 1,
    points: points.length,
  };
}
