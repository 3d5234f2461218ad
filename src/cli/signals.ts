/**
 * Ctrl-C during a transaction: the first SIGINT/SIGTERM aborts the run (the engine stops
 * scheduling, lets running calls finish and rolls back); a second one exits at once with 130,
 * leaving the journal for `dpn recover`.
 */
export interface InterruptHandle {
  signal: AbortSignal;
  dispose(): void;
}

export function interruptSignal(): InterruptHandle {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${sig} again: exiting now; run \`dpn recover\` to finish the transaction\n`);
      process.exit(130);
    }
    process.stderr.write(
      `\n${sig}: stopping after the calls in flight, then rolling back (press Ctrl-C again to exit now)\n`,
    );
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
