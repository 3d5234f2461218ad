/**
 * Opening an SQLite file that another dpn process is creating at the same moment can fail with
 * SQLITE_BUSY even with a busy timeout: switching a brand-new file to WAL needs a lock that SQLite
 * does not wait for. Opening is idempotent (schema set-up runs in IMMEDIATE transactions that
 * re-check what is there), so the open is simply tried again after a short pause.
 */
const pause = new Int32Array(new SharedArrayBuffer(4));

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * Run `open` and retry it while it fails with SQLITE_BUSY/SQLITE_LOCKED, for at most `budgetMs`;
 * any other error, or busy beyond the budget, is thrown as it is.
 */
export function retryWhileBusy<T>(open: () => T, budgetMs = 5_000): T {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    try {
      return open();
    } catch (e) {
      if (!isBusy(e) || Date.now() >= deadline) throw e;
      Atomics.wait(pause, 0, 0, 20 + Math.floor(Math.random() * 40)); // synchronous: open is sync
    }
  }
}
