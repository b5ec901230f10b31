// One run's stop signal, aborted when any parent aborts, whose listeners go when the run ends.
//
// Not AbortSignal.any(): combined with the daemon's signal, which lives for months, each call leaves a dependent
// behind on it in several Node versions (nodejs/node#55351), one per run.

export interface LinkedSignal {
  signal: AbortSignal;
  /** Removes the listeners from the parents; the signal stays as it is. */
  dispose(): void;
}

export function linkSignals(parents: ReadonlyArray<AbortSignal | undefined>): LinkedSignal {
  const controller = new AbortController();
  const present = parents.filter((parent): parent is AbortSignal => parent !== undefined);
  const already = present.find((parent) => parent.aborted);
  if (already) {
    controller.abort(already.reason);
    return { signal: controller.signal, dispose: () => {} };
  }
  const listeners = present.map((parent) => {
    const listener = (): void => controller.abort(parent.reason);
    parent.addEventListener("abort", listener, { once: true });
    return { parent, listener };
  });
  return {
    signal: controller.signal,
    dispose() {
      for (const { parent, listener } of listeners) parent.removeEventListener("abort", listener);
    },
  };
}
