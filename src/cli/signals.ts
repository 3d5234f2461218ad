/**
 * Ctrl-C during a transaction: the first SIGINT/SIGTERM aborts the run (the engine stops
 * scheduling, lets running calls finish and rolls back); a second one exits at once with 130,
 * leaving the journal for `dpn recover`.
 */
export interface InterruptHandle {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * `notify` prints the notices; pass the progress display's `note` so that they land above its live
 * region instead of under it (a raw write there would be erased by the next redraw).
 */
export function interruptSignal(
  notify: (text: string) => void = (text) => process.stderr.write(`\n${text}\n`),
): InterruptHandle {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      notify(`${sig} again: exiting now; run \`dpn recover\` to finish the transaction`);
      process.exit(130);
    }
    notify(`${sig}: stopping after the calls in flight, then rolling back (press Ctrl-C again to exit now)`);
    controller.abort(new Error(`received ${sig}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
