// Preloaded into a child process (node --require): prints its peak resident set size when it exits.
process.on("exit", () => {
  process.stderr.write(`MAXRSS_KB ${process.resourceUsage().maxRSS}\n`);
});
