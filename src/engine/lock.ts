/**
 * Stack lock around a unit of work: one writer per stack at a time, with a lease that is renewed
 * while the work runs, so a crashed holder's lock expires instead of blocking forever.
 */
import { stateError } from "../core/errors.js";
import { type Reporter, silentReporter } from "../core/events.js";
import type { LockHolder } from "../core/ids.js";
import type { LockInfo, LockStore } from "./ports.js";

export interface LockOptions {
  /** Wait this long for a held lock (0/undefined = fail at once). */
  timeoutMs?: number;
  /** Lease length (default 60 s); renewed every third of it. */
  leaseMs?: number;
  /** Poll interval while waiting (default 500 ms). */
  pollMs?: number;
  reporter?: Reporter;
}

export interface HeldLock {
  lock: LockInfo;
  /** Aborted when the lease could not be renewed (another process took the lock): stop mutating. */
  signal: AbortSignal;
}

const DEFAULT_LEASE_MS = 60_000;

/**
 * Run `fn` while holding the stack lock, renewing the lease in the background and releasing it
 * afterwards (also when `fn` throws).
 * Throws DpnError `STACK_LOCKED` (kind state, exit 8) naming the holder's user, host, pid and
 * since when, immediately or after `timeoutMs` of waiting.
 */
export async function withStackLock<R>(
  store: LockStore,
  stackId: string,
  holder: LockHolder,
  options: LockOptions,
  fn: (held: HeldLock) => Promise<R>,
): Promise<R> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const reporter = options.reporter ?? silentReporter;
  const started = Date.now();
  let lock: LockInfo | undefined;
  let takenOver: { holder: LockInfo; reason: string } | undefined;
  for (;;) {
    const r = await store.tryLock(stackId, holder, leaseMs);
    if (r.acquired) {
      lock = r.lock;
      // Stores say whom they replaced (lease expired / holder dead).
      takenOver = r.takenOver;
      break;
    }
    const waited = Date.now() - started;
    const timeout = options.timeoutMs ?? 0;
    if (waited >= timeout) throw lockedError(stackId, r.holder, timeout > 0 ? waited : undefined);
    reporter({
      event: "lock.waiting",
      at: Date.now(),
      stackId,
      holder: { user: r.holder.user, host: r.holder.host, pid: r.holder.pid, since: r.holder.since },
      waitedMs: waited,
    });
    await new Promise((res) =>
      setTimeout(res, Math.min(options.pollMs ?? 500, Math.max(1, timeout - waited))),
    );
  }
  reporter({
    event: "lock.acquired",
    at: Date.now(),
    stackId,
    holderId: holder.holderId,
    waitedMs: Date.now() - started,
    ...(takenOver ? { takenOver: { ...pick(takenOver.holder), reason: takenOver.reason } } : {}),
  });

  const lost = new AbortController();
  const timer = setInterval(
    async () => {
      let ok = false;
      try {
        ok = await store.renewLock(stackId, holder.holderId, leaseMs);
      } catch {
        ok = false; // a store error while renewing counts as losing the lock: stop mutating
      }
      if (!ok && !lost.signal.aborted) {
        reporter({ event: "lock.lost", at: Date.now(), stackId, holderId: holder.holderId });
        lost.abort(
          stateError(
            "LOCK_LOST",
            `Lost the lock on stack ${stackId}: another process took it over after our lease expired`,
            { hint: "Check `dpn status`; run `dpn recover` if a transaction was left unfinished." },
          ),
        );
      }
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  try {
    return await fn({ lock: lock as LockInfo, signal: lost.signal });
  } finally {
    clearInterval(timer);
    if (!lost.signal.aborted) await store.releaseLock(stackId, holder.holderId);
  }
}

/** The STACK_LOCKED error naming who holds the lock. */
export function lockedError(stackId: string, h: LockInfo, waitedMs?: number): ReturnType<typeof stateError> {
  return stateError(
    "STACK_LOCKED",
    `Stack ${stackId} is locked by ${h.user}@${h.host} (pid ${h.pid}) since ${h.since}${waitedMs !== undefined ? `; gave up after waiting ${Math.round(waitedMs / 1000)} s` : ""}`,
    {
      hint: `Wait for that run to finish${waitedMs === undefined ? " or retry with a lock timeout" : ""}. If it is gone, its lease expires at ${h.expiresAt} and the next run takes over.`,
      details: {
        stackId,
        holder: { user: h.user, host: h.host, pid: h.pid, since: h.since, expiresAt: h.expiresAt },
      },
    },
  );
}

function pick(h: LockInfo): { user: string; host: string; pid: number; since: string } {
  return { user: h.user, host: h.host, pid: h.pid, since: h.since };
}
