// Durations in the configuration ("30s", "15m", "1h30m", "7d"): parsed to milliseconds, and printed back short.

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
/** Largest first: a combination must name each unit once, in this order ("1h30m", not "30m1h"). */
const ORDER: readonly Unit[] = ["w", "d", "h", "m", "s", "ms"];

const PART = /(\d+)\s*(ms|w|d|h|m|s)/y;

function invalid(text: string, why?: string): Error {
  const reason = why === undefined ? "" : `: ${why}`;
  return new Error(`invalid duration "${text}"${reason}: use a number and a unit, e.g. 30s, 15m, 1h, 7d`);
}

/**
 * Milliseconds of a duration: whole numbers with a unit (ms, s, m, h, d, w), alone or combined largest
 * first ("1h30m", "1h 30m"). A bare number is refused: "7" could mean seconds, minutes or days.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === "") throw invalid(text, "it is empty");
  let at = 0;
  let total = 0;
  let lastRank = -1;
  while (at < trimmed.length) {
    PART.lastIndex = at;
    const match = PART.exec(trimmed);
    if (!match) throw invalid(text);
    const unit = match[2] as Unit;
    const rank = ORDER.indexOf(unit);
    if (rank <= lastRank) throw invalid(text, "give each unit once, largest first (1h30m)");
    lastRank = rank;
    total += Number(match[1]) * UNIT_MS[unit];
    at = PART.lastIndex;
    while (trimmed[at] === " ") at++;
  }
  if (!Number.isSafeInteger(total)) throw invalid(text, "it is too long");
  return total;
}

/** A short human form: "1h 30m", "7d", "500ms", "0s". Weeks are shown as days ("14d"), which read at a glance. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return String(ms);
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const unit of ["d", "h", "m", "s", "ms"] as const) {
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join(" ");
}
