/**
 * The undo table: for every forward journal action, what undoes it. Compensation (rollback of a
 * failed run), the list of pending compensations and recovery all read this one table, so they
 * cannot disagree about what is reversible.
 */
import type { OpAction } from "../core/events.js";
import type { JournalAction, JournalEntry } from "./ports.js";

export interface Undo {
  /** The compensating operation, or null when the action cannot be undone (a hard delete). */
  op: OpAction | null;
  /** The journal action the compensation is recorded as. */
  journalAs: JournalAction | null;
  /** What a person must do when the undo fails (`what` = "<type> <name> (remote id …)"). */
  needed(what: string, txId: string, e: JournalEntry): string;
}

export const UNDO: Record<JournalAction, Undo> = {
  create: {
    op: "delete",
    journalAs: "delete",
    needed: (what, txId, e) =>
      e.status === "done"
        ? `delete ${what}, created by ${txId}`
        : `check whether ${what} exists (its creation by ${txId} is in doubt) and delete it if it carries marker dpn_address=${e.address}`,
  },
  update: {
    op: "revert",
    journalAs: "update",
    needed: (what, txId) => `restore the previous settings of ${what} (the journal of ${txId} holds them)`,
  },
  // An adopt that stamped our marker is reverted; one that found the marker already there only
  // drops the row ("forget"): step-runner decides between the two from the rollback image.
  adopt: {
    op: "revert",
    journalAs: "update",
    needed: (what) => `remove the dpn ownership marker from ${what} or keep it in the stack`,
  },
  archive: {
    op: "restore",
    journalAs: "restore",
    needed: (what, txId) => `restore ${what}, archived by ${txId}`,
  },
  restore: {
    op: "archive",
    journalAs: "archive",
    needed: (what, txId) => `archive ${what} again, restored by ${txId}`,
  },
  // A rename is undone by renaming back to the name in the rollback image.
  rename: {
    op: "rename",
    journalAs: "rename",
    needed: (what, txId, e) =>
      `rename ${what} back to ${e.before?.remote?.name ?? "its previous name"} (renamed by ${txId})`,
  },
  delete: {
    op: null,
    journalAs: null,
    needed: (what) => `check ${what}`,
  },
};

/** True when a forward entry's action can be undone. */
export function isReversible(action: JournalAction): boolean {
  return UNDO[action].op !== null;
}
