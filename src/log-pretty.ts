// Log lines for a person at a terminal: "02:00:01.123 INFO  job=crm run finished status=success", from pino's JSON.

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO ", 40: "WARN ", 50: "ERROR", 60: "FATAL" };
const SKIP = new Set(["level", "time", "msg", "pid", "hostname"]);

function value(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** One JSON log line as a short human line; a line that is not JSON passes unchanged. */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record["time"] === "string" ? record["time"].slice(11, 23) : "";
  const level = LEVELS[Number(record["level"])] ?? String(record["level"]);
  const fields: string[] = [];
  for (const [key, v] of Object.entries(record)) {
    if (SKIP.has(key) || v === undefined || v === null) continue;
    if (key === "err" && typeof v === "object") {
      const err = v as { code?: unknown; message?: unknown };
      fields.push(`error=${value(`${String(err.code ?? "")}: ${String(err.message ?? "")}`)}`);
      continue;
    }
    fields.push(`${key}=${value(v)}`);
  }
  return `${time} ${level} ${String(record["msg"] ?? "")}${fields.length > 0 ? `  ${fields.join(" ")}` : ""}\n`;
}
