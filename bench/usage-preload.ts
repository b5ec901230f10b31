// Preloaded into every measured process (node --import): at exit, writes the process's own CPU time and
// peak RSS to $BENCH_USAGE_FILE, the way test/helpers/max-rss.cjs prints the peak RSS.
import { writeFileSync } from "node:fs";

export interface UsageRecord {
  userMicros: number;
  systemMicros: number;
  maxRssKb: number;
}

const file = process.env["BENCH_USAGE_FILE"];
if (file !== undefined) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    const record: UsageRecord = { userMicros: usage.userCPUTime, systemMicros: usage.systemCPUTime, maxRssKb: usage.maxRSS };
    writeFileSync(file, JSON.stringify(record));
  });
}
