/**
 * The errors every state backend raises in the same words (SQLite, S3, PostgreSQL): lost or
 * changed locks, migrated state, stacks missing or already present on import.
 */
import { type DpnError, stateError, usageError } from "../core/errors.js";
import type { LockInfo, StackRecord } from "../engine/ports.js";

/** LOCK_LOST: a write of a holder whose lock is no longer its own (fencing); nothing was written. */
export function lockLostError(
  stackId: string,
  holderId: string,
  fencing: number,
  current: LockInfo | undefined,
): DpnError {
  return stateError(
    "LOCK_LOST",
    `Lost the lock on stack ${stackId}: this run held it with fencing token ${fencing}, but ${current ? `${current.user}@${current.host} (pid ${current.pid}) holds it since ${current.since} with token ${current.fencing}` : "it was released"}; nothing was written`,
    {
      hint: "Another run took the lock over after this run's lease expired. Check `dpn status`; run `dpn recover` if a transaction was left unfinished.",
      details: {
        stackId,
        holderId,
        fencing,
        ...(current ? { current: { holderId: current.holderId, fencing: current.fencing } } : {}),
      },
    },
  );
}

/** LOCK_CHANGED: the lock is no longer the one a conditional unlock was given. */
export function lockChangedError(
  stackId: string,
  expected: { holderId: string; fencing: number },
  current: LockInfo | undefined,
): DpnError {
  return stateError(
    "LOCK_CHANGED",
    `The lock on stack ${stackId} is no longer held by ${expected.holderId} (fencing ${expected.fencing})${current ? `: ${current.user}@${current.host} (pid ${current.pid}) holds it since ${current.since}` : ": it was released"}; nothing was unlocked`,
    {
      hint: "Run `dpn status` to see the current lock, and unlock that one only if its holder is gone.",
      details: {
        stackId,
        expected,
        ...(current ? { current: { holderId: current.holderId, fencing: current.fencing } } : {}),
      },
    },
  );
}

/** STATE_MIGRATED: this state was moved by `dpn state migrate`; writes go to the new backend. */
export function migratedError(location: string, to: string, op: string): DpnError {
  return stateError(
    "STATE_MIGRATED",
    `The state at ${location} was migrated to ${to}: it is read-only now, so this command cannot write to it (${op})`,
    {
      hint: `Point dpn at the new backend: --state ${to}, DPN_STATE=${to}, or 'state: ${to}' in .dpn/settings.yaml.`,
      details: { location, migratedTo: to, operation: op },
    },
  );
}

/** STACK_NOT_FOUND for a stack id a backend does not have. */
export function stackNotFoundError(stackId: string, location: string): DpnError {
  return usageError("STACK_NOT_FOUND", `The state at ${location} has no stack ${stackId}`, {
    hint: "List the stacks with `dpn state info`.",
    details: { stackId, location },
  });
}

/** STATE_STACK_EXISTS: an import target already holds the stack (or its project/environment). */
export function stackExistsError(stack: StackRecord, location: string): DpnError {
  return stateError(
    "STATE_STACK_EXISTS",
    `The state at ${location} already has stack ${stack.id} (${stack.project}/${stack.environment}); nothing was copied`,
    {
      hint: "Migrate into an empty backend, or remove that stack from it first.",
      details: { stackId: stack.id, project: stack.project, environment: stack.environment, location },
    },
  );
}
