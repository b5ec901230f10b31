// Graceful interruption: the first Ctrl-C stops reading and lets batches in flight finish; the second exits at once.

export function abortOnSignals(onFirst?: () => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    onFirst?.();
    process.stderr.write(`\n${name}: finishing the batches in flight and recording the run (again to quit at once)\n`);
    controller.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
