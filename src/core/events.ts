/**
 * Typed events the engine emits while it plans, applies, rolls back, recovers and waits for
 * locks. The core never prints: the CLI turns these into a live display or one line per event.
 * Timestamps are epoch milliseconds; durations are milliseconds.
 */
import type { ProvisionedType } from "./resources.js";

/** What an operation does to one resource. `revert` restores a captured snapshot; `forget` drops a state row only; `rename` renames in place (dpn migrate). */
export type OpAction =
  | "create"
  | "update"
  | "delete"
  | "archive"
  | "restore"
  | "adopt"
  | "rename"
  | "revert"
  | "forget"
  | "lookup";

/** `forward` = the requested change; `compensate` = undoing it during rollback. */
export type OpPhase = "forward" | "compensate";

export interface OpRef {
  txId: string;
  address: string;
  type: ProvisionedType;
  name: string;
  action: OpAction;
  phase: OpPhase;
}

/** Error summary carried by events (never the raw error: events may be serialised). */
export interface EventError {
  code: string;
  message: string;
  category?: string;
  outcome?: string;
}

export type EngineEvent =
  | {
      /** Planning reads state and every live object: `done` of `total` resources read so far. */
      event: "plan.progress";
      at: number;
      stackId: string;
      done: number;
      total: number;
    }
  | {
      event: "plan.ready";
      at: number;
      stackId: string;
      counts: Record<"create" | "update" | "noop" | "adopt", number>;
      durationMs: number;
    }
  | { event: "tx.started"; at: number; txId: string; stackId: string; kind: string; operations: number }
  | ({ event: "op.started"; at: number } & OpRef)
  | ({ event: "op.succeeded"; at: number; startedAt: number; durationMs: number; remoteId?: string } & OpRef)
  | ({ event: "op.failed"; at: number; startedAt: number; durationMs: number; error: EventError } & OpRef)
  | ({ event: "op.retrying"; at: number; attempt: number; delayMs: number; error: EventError } & OpRef)
  | { event: "rollback.started"; at: number; txId: string; reason: EventError; operations: number }
  | ({ event: "op.compensated"; at: number; startedAt: number; durationMs: number } & OpRef)
  | ({
      event: "compensation.failed";
      at: number;
      startedAt: number;
      durationMs: number;
      error: EventError;
    } & OpRef)
  | ({
      event: "op.resolved";
      at: number;
      /** True when the object exists and is ours (marked, or claimed by the claim rule). */
      found: boolean;
      /** An unmarked object was claimed as the one this transaction's create made: the evidence. */
      claimed?: string[];
      /** An unmarked object holds the name and was left alone: why it is not ours. */
      notClaimed?: string;
    } & OpRef)
  | { event: "tx.finished"; at: number; txId: string; outcome: string; durationMs: number }
  | { event: "recovery.started"; at: number; txId: string; mode: "rollback" | "resume" }
  | {
      event: "lock.waiting";
      at: number;
      stackId: string;
      holder: { user: string; host: string; pid: number; since: string };
      waitedMs: number;
    }
  | {
      event: "lock.acquired";
      at: number;
      stackId: string;
      holderId: string;
      waitedMs: number;
      /** Set when a stale holder (lease expired / process dead) was replaced. */
      takenOver?: { user: string; host: string; pid: number; since: string; reason: string };
    }
  | { event: "lock.lost"; at: number; stackId: string; holderId: string };

export type EngineEventType = EngineEvent["event"];

/** Receives engine events. Must not throw; the engine calls it synchronously. */
export type Reporter = (e: EngineEvent) => void;

/** A reporter that drops everything (library use, tests). */
export const silentReporter: Reporter = () => {};

/** Summarise any thrown value for an event. */
export function eventError(e: unknown): EventError {
  if (e && typeof e === "object") {
    const o = e as { code?: unknown; message?: unknown; category?: unknown; outcome?: unknown };
    return {
      code: typeof o.code === "string" ? o.code : "INTERNAL",
      message: typeof o.message === "string" ? o.message : String(e),
      ...(typeof o.category === "string" ? { category: o.category } : {}),
      ...(typeof o.outcome === "string" ? { outcome: o.outcome } : {}),
    };
  }
  return { code: "INTERNAL", message: String(e) };
}
