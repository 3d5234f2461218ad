/**
 * Executes single journaled steps against providers: forward steps (create, update, adopt,
 * delete, archive, restore, import) and their compensations. Every remote call is preceded by a
 * durable journal intent; the step is then settled — journal outcome, the state rows it changes
 * and its audit event — in one atomic store write. Apply, rollback, recovery and the
 * single-resource commands all go through this one class.
 */

import { crashPoint, inStep } from "../core/crash-points.js";
import { DpnError, ProviderError } from "../core/errors.js";
import { type EventError, eventError, type OpAction, type OpPhase, type Reporter } from "../core/events.js";
import type { DesiredResource, Ownership, ProvisionedType } from "../core/resources.js";
import { sleep } from "../core/sleep.js";
import { claimVerdict } from "./claim.js";
import { errorRecord, isOurs, rowFromRemote, snapshot } from "./journal-records.js";
import type {
  AuditEvent,
  BeforeImage,
  JournalEntry,
  JournalIntent,
  JournalStatus,
  Provider,
  ProviderContext,
  ProviderRegistry,
  RemoteObject,
  ResourceRecord,
  StateStore,
  StepSettlement,
} from "./ports.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { ReadCache } from "./read-cache.js";
import { backoffMs, DEFAULT_RETRY, isRetryable, type RetryPolicy } from "./retry.js";
import { UNDO } from "./undo.js";

/** One executed step, with timings, for the `--json` document. */
export interface OpRecord {
  address: string;
  type: ProvisionedType;
  name: string;
  action: OpAction | "noop";
  phase: OpPhase;
  status: "succeeded" | "failed" | "unchanged" | "not_started";
  /** Epoch ms. */
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  remoteId?: string;
  error?: EventError;
}

export interface StepRunnerOptions {
  store: StateStore;
  registry: ProviderRegistry;
  stackId: string;
  txId: string;
  actor: string;
  reporter: Reporter;
  /** Builds the audit event of a finished step; it is written with the step's settlement. */
  auditEvent: (event: string, extra: Pick<AuditEvent, "address" | "outcome" | "details">) => AuditEvent;
  /** Address → remote id of the stack's rows when the transaction began (for `ctx.resolveRef`). */
  refs: Map<string, string>;
  cache?: ReadCache;
  rateLimiter?: RateLimiter;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
}

type Ref = { address: string; type: ProvisionedType; name: string };
type RowChange = { op: "put"; row: ResourceRecord } | { op: "delete"; address: string };

/** A foreign object sits where we want to create ours. */
export function conflictError(
  desired: { address: string; type: string; fullName: string },
  found: RemoteObject,
  stackId: string,
): DpnError {
  const owner = found.ownership
    ? `it belongs to dpn stack ${found.ownership.stackId} at ${found.ownership.address}`
    : "it was created outside dpn";
  return new ProviderError(
    "conflict",
    "RESOURCE_CONFLICT",
    `${desired.type} ${found.fullName} (${desired.address}) already exists and ${owner}`,
    {
      hint: `dpn never takes over or deletes objects it did not create. Rename the resource in the blueprint, remove the existing object, or import it explicitly with \`dpn import --type ${desired.type} --resource-id ${desired.fullName}\` if it should belong to stack ${stackId}.`,
      details: { address: desired.address, remoteId: found.remoteId, ownership: found.ownership },
      outcome: "not_applied",
      retryable: false,
    },
  );
}

export class StepRunner {
  readonly ops: OpRecord[] = [];
  /** Address → remote id for this run (state rows + what we created), for `ctx.resolveRef`. */
  readonly refs: Map<string, string>;
  private readonly retry: RetryPolicy;
  /**
   * Set when the run has decided to roll back (another step failed): a forward step that is still
   * waiting for its turn (rate limit, backoff) then makes no remote call at all.
   */
  private halted = false;

  constructor(readonly o: StepRunnerOptions) {
    this.retry = { ...DEFAULT_RETRY, ...o.retry };
    this.refs = o.refs;
  }

  get txId(): string {
    return this.o.txId;
  }

  /** Stop forward steps before their next remote call (the run is rolling back). */
  halt(): void {
    this.halted = true;
  }

  /** Throws the not-started error when the run was halted (forward steps only). */
  private assertNotHalted(phase: OpPhase): void {
    if (this.halted && phase === "forward")
      throw new ProviderError("internal", "STEP_NOT_STARTED", "not started: the run is rolling back", {
        outcome: "not_applied",
        retryable: false,
      });
  }

  /**
   * Provider context. Forward steps carry the run's abort signal (Ctrl-C, lost lock); compensating
   * steps never do: the rollback that follows an abort must still be able to reach the platform.
   */
  ctx(phase: OpPhase = "forward"): ProviderContext {
    return {
      stackId: this.o.stackId,
      txId: this.o.txId,
      actor: this.o.actor,
      resolveRef: (address) => this.refs.get(address),
      ...(this.o.signal && phase === "forward" ? { signal: this.o.signal } : {}),
    };
  }

  provider<T extends ProvisionedType>(type: T): Provider<T> {
    return this.o.registry.get(type);
  }

  private intent(
    e: Omit<JournalIntent, "txId" | "phase"> & { phase?: JournalEntry["phase"] },
  ): Promise<JournalEntry> {
    return this.o.store.journalIntent({ txId: this.txId, phase: "forward", ...e });
  }

  // -------------------------------------------------------------------------------------------
  // Forward steps
  // -------------------------------------------------------------------------------------------

  /**
   * Create `desired`. On an in-doubt failure (outcome unknown, or a raw error) it looks the object
   * up by natural key first; a create is only retried after a lookup found nothing. Throws the
   * provider error (journal status `failed`, or `unknown` when it could not find out).
   */
  async create(desired: DesiredResource, prevRow?: ResourceRecord, absentAt?: string): Promise<RemoteObject> {
    const provider = this.provider(desired.type);
    const before: BeforeImage = { ...(prevRow ? { row: prevRow } : {}), ...(absentAt ? { absentAt } : {}) };
    const entry = await this.intent({
      action: "create",
      address: desired.address,
      type: desired.type,
      name: desired.name,
      desired,
      ...(Object.keys(before).length > 0 ? { before: snapshot(before) } : {}),
    });
    return this.step(
      entry,
      "create",
      desired,
      async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            await this.o.rateLimiter?.acquire(provider.service);
            this.assertNotHalted("forward");
            return await provider.create(desired, this.ctx());
          } catch (e) {
            const inDoubt = !(e instanceof ProviderError) || e.outcome === "unknown";
            const canRetry = isRetryable(e) && attempt < this.retry.maxAttempts;
            if (inDoubt || canRetry) {
              // Never create twice: find out whether the failed call took effect first.
              const found = await this.lookupQuietly(provider, desired);
              if (found === undefined) throw e; // could not find out: stays in doubt
              if (found) {
                if (isOurs(found, this.o.stackId, desired.address)) return found;
                // Made by this very call but not marked yet (the answer was lost between calls)?
                const claimed = await this.claim(entry, desired, found, "forward");
                if (claimed) return this.converge(provider, desired, claimed);
                throw conflictError(desired, found, this.o.stackId);
              }
            }
            if (!canRetry) throw inDoubt ? notApplied(e) : e;
            const delayMs = backoffMs(this.retry, attempt, e);
            this.reportRetry(entry, desired, attempt, delayMs, e, "forward");
            await sleep(delayMs);
          }
        }
      },
      (obj) => {
        this.refs.set(desired.address, obj.remoteId);
        this.o.cache?.invalidate(desired.type, obj.remoteId, desired.address);
        return [
          {
            op: "put",
            row: rowFromRemote(this.o.stackId, desired.address, obj, this.txId, prevRow, "active"),
          },
        ];
      },
    );
  }

  /** Update `live` to match `desired`; `prevRow` is restored on rollback. Retries retryable errors (updates are replaces). */
  async update(
    desired: DesiredResource,
    live: RemoteObject,
    prevRow: ResourceRecord | undefined,
  ): Promise<RemoteObject> {
    const provider = this.provider(desired.type);
    const entry = await this.intent({
      action: "update",
      address: desired.address,
      type: desired.type,
      name: desired.name,
      desired,
      remoteId: live.remoteId,
      before: snapshot({ remote: live, ...(prevRow ? { row: prevRow } : {}) }),
    });
    return this.step(
      entry,
      "update",
      desired,
      () =>
        this.withRetry(entry, desired, provider.service, () => provider.update(desired, live, this.ctx())),
      (obj) => {
        this.o.cache?.invalidate(desired.type, obj.remoteId, desired.address);
        return [
          {
            op: "put",
            row: rowFromRemote(this.o.stackId, desired.address, obj, this.txId, prevRow, prevRow?.status),
          },
        ];
      },
    );
  }

  /**
   * Take over an existing object at `address`: when it already carries our marker only the state
   * row is written; otherwise the provider stamps the marker (import) and rollback reverts it.
   */
  async adopt(
    target: { address: string; type: ProvisionedType; name: string; desired?: DesiredResource },
    live: RemoteObject,
    prevRow?: ResourceRecord,
  ): Promise<RemoteObject> {
    const provider = this.provider(target.type);
    const ours = isOurs(live, this.o.stackId, target.address);
    const entry = await this.intent({
      action: "adopt",
      address: target.address,
      type: target.type,
      name: target.name,
      ...(target.desired ? { desired: target.desired } : {}),
      remoteId: live.remoteId,
      before: snapshot({ remote: live, ...(prevRow ? { row: prevRow } : {}) }),
    });
    const ownership: Ownership = { stackId: this.o.stackId, address: target.address };
    return this.step(
      entry,
      "adopt",
      target,
      async () => {
        if (ours) return live;
        return this.withRetry(entry, target, provider.service, () =>
          provider.adopt(live, ownership, this.ctx()),
        );
      },
      (obj) => {
        this.refs.set(target.address, obj.remoteId);
        this.o.cache?.invalidate(target.type, obj.remoteId, target.address);
        return [{ op: "put", row: rowFromRemote(this.o.stackId, target.address, obj, this.txId, prevRow) }];
      },
    );
  }

  /** Delete the object behind `row` (irreversible; there is no compensation). */
  async delete(row: ResourceRecord, live: RemoteObject, options: { force?: boolean } = {}): Promise<void> {
    const provider = this.provider(row.type);
    const entry = await this.intent({
      action: "delete",
      address: row.address,
      type: row.type,
      name: row.name,
      remoteId: live.remoteId,
      before: snapshot({ remote: live, row }),
    });
    await this.step(
      entry,
      "delete",
      row,
      async () => {
        try {
          await this.withRetry(entry, row, provider.service, () =>
            provider.delete(live, this.ctx(), options),
          );
        } catch (e) {
          if (statusFor(e) !== "unknown") throw e;
          await this.assertGone(e, provider, live, "forward");
        }
        return live;
      },
      () => {
        this.refs.delete(row.address);
        this.o.cache?.invalidate(row.type, live.remoteId, row.address);
        return [{ op: "delete", address: row.address }];
      },
    );
  }

  /** Archive or restore the object behind `row`; the state row follows. Compensation is the opposite call. */
  async archiveOrRestore(
    action: "archive" | "restore",
    row: ResourceRecord,
    live: RemoteObject,
  ): Promise<RemoteObject> {
    const provider = this.provider(row.type);
    const entry = await this.intent({
      action,
      address: row.address,
      type: row.type,
      name: row.name,
      remoteId: live.remoteId,
      before: snapshot({ remote: live, row }),
    });
    return this.step(
      entry,
      action,
      row,
      () =>
        this.withRetry(entry, row, provider.service, () =>
          action === "archive" ? provider.archive(live, this.ctx()) : provider.restore(live, this.ctx()),
        ),
      (obj) => {
        this.o.cache?.invalidate(row.type, obj.remoteId, row.address);
        return [
          {
            op: "put",
            row: rowFromRemote(
              this.o.stackId,
              row.address,
              obj,
              this.txId,
              row,
              action === "archive" ? "archived" : "active",
            ),
          },
        ];
      },
    );
  }

  /**
   * Rename `live` in place to `to` (dpn migrate). `row` is its state row when this stack manages
   * it; `children` are the stack's rows under a renamed container as they are (`before`) and with
   * the new full name (`after`). The intent carries the expected result as its `after` image, so
   * rollback and recovery can look the object up under both names. A failure whose effect is in
   * doubt is settled by reading the new name. Throws the provider's error (INTERNAL when the type
   * cannot rename).
   */
  async rename(
    target: {
      address: string;
      desired: DesiredResource;
      to: { name: string; fullName: string; remoteId: string };
    },
    live: RemoteObject,
    row: ResourceRecord | undefined,
    children: { before: ResourceRecord; after: ResourceRecord }[] = [],
  ): Promise<RemoteObject> {
    const provider = this.provider(live.type);
    const rename = provider.rename?.bind(provider);
    if (!rename)
      throw new DpnError("internal", "INTERNAL", `The ${live.type} provider cannot rename in place`);
    const { to } = target;
    const expected: RemoteObject = { ...live, name: to.name, fullName: to.fullName, remoteId: to.remoteId };
    const before: BeforeImage = {
      remote: live,
      ...(row ? { row } : {}),
      ...(children.length ? { rows: children.map((c) => c.before) } : {}),
    };
    const entry = await this.intent({
      action: "rename",
      address: target.address,
      type: live.type,
      name: live.name,
      desired: target.desired,
      remoteId: live.remoteId,
      before: snapshot(before),
      after: snapshot({ remote: expected }),
    });
    const ref = { address: target.address, type: live.type, name: live.name };
    return this.step(
      entry,
      "rename",
      ref,
      async () => {
        try {
          return await this.withRetry(entry, ref, provider.service, () => rename(live, to.name, this.ctx()));
        } catch (e) {
          if (statusFor(e) !== "unknown") throw e;
          // The answer was lost: the object under its new name says whether the rename happened.
          const now = await provider.read(to.remoteId, this.ctx()).catch(() => null);
          if (now && sameName(now.name, to.name)) return now;
          throw e;
        }
      },
      (obj) => {
        this.o.cache?.invalidate(live.type, live.remoteId, target.address);
        const put: RowChange[] = [];
        if (row) {
          this.refs.set(row.address, obj.remoteId);
          put.push({
            op: "put",
            row: rowFromRemote(this.o.stackId, row.address, obj, this.txId, row, row.status),
          });
        }
        for (const c of children) {
          this.refs.set(c.after.address, c.after.remoteId);
          put.push({ op: "put", row: { ...c.after, txId: this.txId, updatedAt: new Date().toISOString() } });
        }
        return put;
      },
    );
  }

  /**
   * Record the delete of an object that is already gone (no remote call): the row is dropped.
   * Journaled like any step, so recovery and `tx show` see it.
   */
  async forget(row: ResourceRecord): Promise<void> {
    const entry = await this.intent({
      action: "delete",
      address: row.address,
      type: row.type,
      name: row.name,
      remoteId: row.remoteId,
    });
    const now = Date.now();
    await this.o.store.settleStep({
      outcomes: [{ id: entry.id, status: "done", error: { reason: "already gone remotely" } }],
      remove: [{ stackId: row.stackId, address: row.address }],
    });
    this.record({
      address: row.address,
      type: row.type,
      name: row.name,
      action: "delete",
      phase: "forward",
      status: "succeeded",
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Compensation (used by rollback): one call per forward entry, journaled in phase "compensate"
  // -------------------------------------------------------------------------------------------

  /**
   * Undo one forward entry (what undoes it: the UNDO table, undo.ts). Returns false when there was
   * nothing to undo (e.g. an in-doubt create that never happened). Throws when the undo failed;
   * the forward entry then keeps its status.
   */
  async compensate(fwd: JournalEntry): Promise<boolean> {
    const provider = this.provider(fwd.type);
    const before = fwd.before;
    const after = fwd.after;
    const ref = { address: fwd.address, type: fwd.type, name: fwd.name };
    const undo = UNDO[fwd.action];
    // delete is irreversible: the caller never asks to undo it
    if (undo.op === null || undo.journalAs === null) return false;

    // Work out the remote target first (reads only), so the journal intent names it.
    let action: OpAction = undo.op;
    let journalAs = undo.journalAs;
    let target: RemoteObject | null = null;
    if (fwd.action === "create") {
      target = after?.remote ?? null;
      if (!target || fwd.status !== "done") {
        // The create is in doubt: only our own object (marker = stack + address, or an unmarked
        // one the claim rule proves this create made) may be deleted.
        const found = fwd.desired
          ? await this.lookupOrThrow(provider, fwd.desired)
          : fwd.remoteId
            ? await inStep(this.scope(fwd, "lookup", "compensate"), () =>
                provider.read(fwd.remoteId as string, this.ctx("compensate")),
              )
            : null;
        target =
          found && isOurs(found, this.o.stackId, fwd.address)
            ? found
            : found && fwd.desired && (await this.claim(fwd, fwd.desired, found, "compensate", false))
              ? found
              : null;
      }
      if (!target) {
        const rows: StepSettlement = {
          outcomes: [
            {
              id: fwd.id,
              status: "skipped",
              error: { reason: "not created (lookup found no object of ours)" },
            },
          ],
        };
        if (before?.row) rows.put = [before.row];
        else if ((await this.o.store.getResource(this.o.stackId, fwd.address))?.txId === this.txId)
          rows.remove = [{ stackId: this.o.stackId, address: fwd.address }];
        await this.o.store.settleStep(rows);
        this.o.reporter({
          event: "op.resolved",
          at: Date.now(),
          txId: this.txId,
          ...ref,
          action: "lookup",
          phase: "compensate",
          found: false,
        });
        return false;
      }
    } else if (fwd.action === "adopt") {
      const snap = before?.remote ?? null;
      // Adopting an object that already carried our marker changed nothing remotely.
      if (!snap || isOurs(snap, this.o.stackId, fwd.address)) {
        action = "forget";
        journalAs = "adopt";
      }
      target = snap;
    } else if (fwd.action === "update") {
      target = before?.remote ?? null;
    } else if (fwd.action === "rename") {
      target = await this.renamedTarget(fwd);
      if (!target) {
        // The rename never happened: nothing remote to undo, and its rows were never rewritten.
        await this.o.store.settleStep({
          outcomes: [
            { id: fwd.id, status: "skipped", error: { reason: "not renamed (found under its old name)" } },
          ],
        });
        this.o.reporter({
          event: "op.resolved",
          at: Date.now(),
          txId: this.txId,
          ...ref,
          action: "lookup",
          phase: "compensate",
          found: false,
        });
        return false;
      }
    } else {
      target = after?.remote ?? before?.remote ?? null;
    }
    if (!target && action !== "forget") {
      throw new DpnError(
        "internal",
        "JOURNAL_INCOMPLETE",
        `Journal entry ${fwd.seq} of ${this.txId} (${fwd.action} ${fwd.address}) has no image to roll back to`,
      );
    }

    const entry = await this.intent({
      phase: "compensate",
      action: journalAs,
      address: fwd.address,
      type: fwd.type,
      name: fwd.name,
      ...(target ? { remoteId: target.remoteId } : {}),
      ...(fwd.desired ? { desired: fwd.desired } : {}),
    });
    const at = this.scope(fwd, action, "compensate");
    crashPoint("compensate-after-intent", at);
    const startedAt = Date.now();
    const opRef = { txId: this.txId, ...ref, action, phase: "compensate" as const };
    this.o.reporter({ event: "op.started", at: startedAt, ...opRef });
    const auditDetails = (durationMs: number, error?: EventError) => ({
      action,
      phase: "compensate",
      durationMs,
      ...(error ? { error } : {}),
    });
    try {
      let result: RemoteObject | undefined;
      const t = target as RemoteObject;
      // the provider call that undoes the forward step ("forget" has none: it only drops a row)
      const call = (): Promise<RemoteObject | undefined> => {
        const ctx = this.ctx("compensate");
        if (action === "delete") return provider.delete(t, ctx).then(() => undefined);
        if (action === "revert") return provider.revert(t, ctx);
        if (action === "restore") return provider.restore(t, ctx);
        if (action === "archive") return provider.archive(t, ctx);
        if (action === "rename" && provider.rename && before?.remote)
          return provider.rename(t, before.remote.name, ctx);
        return Promise.resolve(undefined);
      };
      const once = async (): Promise<void> => {
        result =
          (await inStep(at, () => this.withRetry(entry, ref, provider.service, call, "compensate"))) ??
          result;
      };
      try {
        await once();
      } catch (e) {
        // In doubt (the answer was lost): compensations are idempotent, so find out or redo once
        // rather than reporting an undo that may well have happened as a leftover.
        if (statusFor(e) !== "unknown") throw e;
        if (action === "delete") {
          await inStep(this.scope(fwd, "lookup", "compensate"), () =>
            this.assertGone(e, provider, t, "compensate"),
          );
        } else if (action === "rename" && before?.remote) {
          // renamed back already when the old name answers with the old name
          const old = before.remote;
          const back = await provider.read(old.remoteId, this.ctx("compensate")).catch(() => null);
          if (back && sameName(back.name, old.name)) result = back;
          else await once();
        } else {
          await once();
        }
      }
      crashPoint("compensate-after-remote", at);
      const finishedAt = Date.now();
      const settle: StepSettlement = {
        outcomes: [
          {
            id: entry.id,
            status: "done",
            ...(result ? { remoteId: result.remoteId, after: snapshot({ remote: result }) } : {}),
          },
          { id: fwd.id, status: "compensated" },
        ],
        audit: [
          this.o.auditEvent("op.compensated", {
            address: fwd.address,
            outcome: "ok",
            details: auditDetails(finishedAt - startedAt),
          }),
        ],
      };
      // Put the state row back exactly as it was before the forward step.
      if (before?.row) settle.put = [before.row];
      else settle.remove = [{ stackId: this.o.stackId, address: fwd.address }];
      if (before?.rows?.length) settle.put = [...(settle.put ?? []), ...before.rows];
      await this.o.store.settleStep(settle);
      crashPoint("compensate-after-outcome", at);
      if (target) this.o.cache?.invalidate(fwd.type, target.remoteId, fwd.address);
      if (action === "delete" || action === "forget") this.refs.delete(fwd.address);
      this.record({
        ...ref,
        action,
        phase: "compensate",
        status: "succeeded",
        startedAt,
        finishedAt,
        durationMs: finishedAt - startedAt,
        ...(target ? { remoteId: target.remoteId } : {}),
      });
      this.o.reporter({
        event: "op.compensated",
        at: finishedAt,
        startedAt,
        durationMs: finishedAt - startedAt,
        ...opRef,
      });
      return true;
    } catch (e) {
      crashPoint("compensate-after-remote", at);
      const finishedAt = Date.now();
      await this.o.store.settleStep({
        outcomes: [{ id: entry.id, status: statusFor(e), error: errorRecord(e) }],
        audit: [
          this.o.auditEvent("compensation.failed", {
            address: fwd.address,
            outcome: "failed",
            details: auditDetails(finishedAt - startedAt, eventError(e)),
          }),
        ],
      });
      this.record({
        ...ref,
        action,
        phase: "compensate",
        status: "failed",
        startedAt,
        finishedAt,
        durationMs: finishedAt - startedAt,
        error: eventError(e),
      });
      this.o.reporter({
        event: "compensation.failed",
        at: finishedAt,
        startedAt,
        durationMs: finishedAt - startedAt,
        error: eventError(e),
        ...opRef,
      });
      throw e;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Claiming an unmarked object our own create made (claim.ts)
  // -------------------------------------------------------------------------------------------

  /**
   * Apply the claim rule to `found` (a natural-key lookup result without our marker) for the
   * create intent `entry`. When it holds, reports the evidence and, with `mark`, stamps our
   * ownership marker on the object (so that later lookups see it as ours) and returns it;
   * otherwise reports why not and returns null. Never claims anything the rule does not prove.
   */
  async claim(
    entry: Pick<JournalEntry, "address" | "type" | "name" | "before">,
    desired: DesiredResource,
    found: RemoteObject,
    phase: OpPhase,
    mark = true,
  ): Promise<RemoteObject | null> {
    const provider = this.provider(desired.type);
    const principal =
      found.provenance?.createdBy !== undefined && provider.principal
        ? await provider.principal(this.ctx(phase)).catch(() => undefined)
        : undefined;
    const verdict = claimVerdict({ type: desired.type, found, absentAt: entry.before?.absentAt, principal });
    this.o.reporter({
      event: "op.resolved",
      at: Date.now(),
      txId: this.txId,
      address: entry.address,
      type: entry.type,
      name: entry.name,
      action: "lookup",
      phase,
      found: verdict.claim,
      ...(verdict.claim ? { claimed: verdict.evidence } : { notClaimed: verdict.reason }),
    });
    if (!verdict.claim) return null;
    if (!mark) return found;
    const ownership: Ownership = { stackId: this.o.stackId, address: entry.address };
    return inStep(this.scope(entry, "adopt", phase), () =>
      this.retrying(provider.service, () => provider.adopt(found, ownership, this.ctx(phase)), {
        haltable: false,
      }),
    );
  }

  /** Finish the settings of a claimed object (its create stopped after the first call). */
  private async converge(
    provider: Provider,
    desired: DesiredResource,
    obj: RemoteObject,
  ): Promise<RemoteObject> {
    if (provider.diff(desired, obj).length === 0) return obj;
    return this.retrying(provider.service, () => provider.update(desired, obj, this.ctx()), {
      haltable: false,
    });
  }

  /** The crash-point scope of a step's remote calls. */
  private scope(ref: { address: string }, action: string, phase: OpPhase) {
    return { address: ref.address, action, phase };
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing
  // -------------------------------------------------------------------------------------------

  /**
   * Where a rename's object is now, for its undo: under the new name (the rename happened, or
   * may have: then it is read), or null when it still carries the old name. Throws
   * ProviderError `REMOTE_NOT_FOUND` when neither name finds it (someone else renamed or deleted
   * it), and JOURNAL_INCOMPLETE without both images.
   */
  private async renamedTarget(fwd: JournalEntry): Promise<RemoteObject | null> {
    const from = fwd.before?.remote;
    const to = fwd.after?.remote;
    if (!from || !to)
      throw new DpnError(
        "internal",
        "JOURNAL_INCOMPLETE",
        `Journal entry ${fwd.seq} of ${this.txId} (rename ${fwd.address}) has no image to roll back to`,
      );
    const provider = this.provider(fwd.type);
    const read = (id: string) =>
      inStep(this.scope(fwd, "lookup", "compensate"), () =>
        this.retrying(provider.service, () => provider.read(id, this.ctx("compensate")), { read: true }),
      );
    const atNew = await read(to.remoteId);
    if (atNew && sameName(atNew.name, to.name)) return atNew;
    const atOld = await read(from.remoteId);
    if (atOld && sameName(atOld.name, from.name)) return null;
    throw new ProviderError(
      "not_found",
      "REMOTE_NOT_FOUND",
      `${fwd.type} ${from.fullName} is found neither under its old name nor as ${to.fullName}`,
      { outcome: "not_applied", retryable: false, details: { from: from.fullName, to: to.fullName } },
    );
  }

  /**
   * After a delete whose answer was lost: if the object is gone, the delete happened; otherwise
   * (or when it cannot be read) rethrow the in-doubt error.
   */
  private async assertGone(e: unknown, provider: Provider, obj: RemoteObject, phase: OpPhase): Promise<void> {
    const still = await provider.read(obj.remoteId, this.ctx(phase)).catch(() => obj);
    if (still) throw e;
  }

  record(op: OpRecord): void {
    this.ops.push(op);
  }

  /**
   * Bring a state row up to date with `live` when a step found nothing to change but the row is
   * stale (an interrupted run changed the object and died before recording it). A state
   * correction, not a change: nothing remote happens and there is nothing to roll back.
   */
  async refreshRow(row: ResourceRecord, live: RemoteObject): Promise<void> {
    const fresh = rowFromRemote(this.o.stackId, row.address, live, row.txId, row, row.status);
    const same = (a: ResourceRecord) =>
      JSON.stringify([a.remoteId, a.name, a.fullName, a.properties, a.tags]);
    if (same(fresh) === same(row)) return;
    await this.o.store.putResource({ ...fresh, txId: this.txId });
  }

  /** Natural-key lookup with retries; `undefined` when it keeps failing (the caller stays in doubt). */
  async lookupQuietly(
    provider: Provider,
    desired: DesiredResource,
  ): Promise<RemoteObject | null | undefined> {
    try {
      return await this.lookupOrThrow(provider, desired, "forward");
    } catch {
      return undefined;
    }
  }

  /** Natural-key lookup (a read: every retryable error is retried). Throws when it keeps failing. */
  async lookupOrThrow(
    provider: Provider,
    desired: DesiredResource,
    phase: OpPhase = "compensate",
  ): Promise<RemoteObject | null> {
    this.o.cache?.invalidate(desired.type, undefined, desired.address);
    return inStep(this.scope(desired, "lookup", phase), () =>
      this.retrying(provider.service, () => provider.lookup(desired, this.ctx("compensate")), { read: true }),
    );
  }

  private withRetry<R>(
    entry: JournalEntry,
    ref: Ref,
    service: string,
    call: () => Promise<R>,
    phase: OpPhase = "forward",
  ): Promise<R> {
    return this.retrying(service, call, {
      phase,
      onRetry: (attempt, delayMs, e) => this.reportRetry(entry, ref, attempt, delayMs, e, phase),
    });
  }

  /**
   * The one retry loop: call under the service's rate limit and retry, with backoff, only what
   * is safe — errors that say "nothing happened, try again", and for reads (`read`) any
   * retryable error. In-doubt failures of writes are never retried blindly: the caller finds out
   * first. `onRetry` reports each wait.
   */
  private async retrying<R>(
    service: string,
    call: () => Promise<R>,
    opts: {
      read?: boolean;
      phase?: OpPhase;
      /** False for calls that finish what an earlier call of the step already did (claim, converge). */
      haltable?: boolean;
      onRetry?: (attempt: number, delayMs: number, e: unknown) => void;
    } = {},
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.rateLimiter?.acquire(service);
        if (!opts.read && opts.haltable !== false) this.assertNotHalted(opts.phase ?? "forward");
        return await call();
      } catch (e) {
        const inDoubt = !opts.read && (e as ProviderError).outcome === "unknown";
        if (!isRetryable(e) || inDoubt || attempt >= this.retry.maxAttempts) throw e;
        const delayMs = backoffMs(this.retry, attempt, e);
        opts.onRetry?.(attempt, delayMs, e);
        await sleep(delayMs);
      }
    }
  }

  private reportRetry(
    entry: JournalEntry,
    ref: Ref,
    attempt: number,
    delayMs: number,
    e: unknown,
    phase: OpPhase,
  ): void {
    this.o.reporter({
      event: "op.retrying",
      at: Date.now(),
      txId: this.txId,
      address: ref.address,
      type: ref.type,
      name: ref.name,
      action: entry.action as OpAction,
      phase,
      attempt,
      delayMs,
      error: eventError(e),
    });
  }

  /**
   * Run one forward step: report start, run `call`, then settle — journal outcome, the state-row
   * changes `rows` derives from the result, and the audit event — in one atomic store write.
   */
  private async step(
    entry: JournalEntry,
    action: OpAction,
    ref: Ref,
    call: () => Promise<RemoteObject>,
    rows: (obj: RemoteObject) => RowChange[],
  ): Promise<RemoteObject> {
    const startedAt = Date.now();
    const opRef = {
      txId: this.txId,
      address: ref.address,
      type: ref.type,
      name: ref.name,
      action,
      phase: "forward" as const,
    };
    this.o.reporter({ event: "op.started", at: startedAt, ...opRef });
    // Crash points (test hook, see core/crash-points.ts): intent durable, remote call not made yet.
    const at = this.scope(ref, action, "forward");
    crashPoint("after-intent", at);
    let obj: RemoteObject;
    try {
      obj = await inStep(at, call);
    } catch (e) {
      crashPoint("after-remote", at);
      const finishedAt = Date.now();
      if (e instanceof ProviderError && e.code === "STEP_NOT_STARTED") {
        // halted before its remote call: nothing happened, and it is reported as not started
        await this.o.store.settleStep({
          outcomes: [{ id: entry.id, status: "failed", error: errorRecord(e) }],
        });
        throw e;
      }
      await this.o.store.settleStep({
        outcomes: [{ id: entry.id, status: statusFor(e), error: errorRecord(e) }],
        audit: [
          this.o.auditEvent("op.failed", {
            address: ref.address,
            outcome: "failed",
            details: { action, phase: "forward", durationMs: finishedAt - startedAt, error: eventError(e) },
          }),
        ],
      });
      this.record({
        ...ref,
        action,
        phase: "forward",
        status: "failed",
        startedAt,
        finishedAt,
        durationMs: finishedAt - startedAt,
        error: eventError(e),
      });
      this.o.reporter({
        event: "op.failed",
        at: finishedAt,
        startedAt,
        durationMs: finishedAt - startedAt,
        error: eventError(e),
        ...opRef,
      });
      throw e;
    }
    // The remote call returned; its outcome is not recorded yet.
    crashPoint("after-remote", at);
    const finishedAt = Date.now();
    const settle: StepSettlement = {
      outcomes: [{ id: entry.id, status: "done", remoteId: obj.remoteId, after: snapshot({ remote: obj }) }],
      audit: [
        this.o.auditEvent("op.succeeded", {
          address: ref.address,
          outcome: "ok",
          details: { action, phase: "forward", durationMs: finishedAt - startedAt },
        }),
      ],
    };
    const changes = rows(obj);
    const put = changes.flatMap((c) => (c.op === "put" ? [c.row] : []));
    const remove = changes.flatMap((c) =>
      c.op === "delete" ? [{ stackId: this.o.stackId, address: c.address }] : [],
    );
    if (put.length) settle.put = put;
    if (remove.length) settle.remove = remove;
    await this.o.store.settleStep(settle);
    crashPoint("after-outcome", at);
    this.record({
      ...ref,
      action,
      phase: "forward",
      status: "succeeded",
      startedAt,
      finishedAt,
      durationMs: finishedAt - startedAt,
      remoteId: obj.remoteId,
    });
    this.o.reporter({
      event: "op.succeeded",
      at: finishedAt,
      startedAt,
      durationMs: finishedAt - startedAt,
      remoteId: obj.remoteId,
      ...opRef,
    });
    return obj;
  }
}

/** Names compare case-insensitively: Unity Catalog folds them to lower case. */
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Journal status for a failed call: `unknown` when the effect may have happened. */
export function statusFor(e: unknown): Exclude<JournalStatus, "intent"> {
  return !(e instanceof ProviderError) || e.outcome === "unknown" ? "unknown" : "failed";
}

/** The in-doubt error after a lookup proved nothing happened. */
function notApplied(e: unknown): ProviderError {
  if (e instanceof ProviderError) {
    return new ProviderError(e.category, e.code, e.message, {
      outcome: "not_applied",
      retryable: e.retryable,
      cause: e,
      details: e.details,
      ...(e.hint ? { hint: e.hint } : {}),
    });
  }
  return new ProviderError("internal", "PROVIDER_FAILED", e instanceof Error ? e.message : String(e), {
    outcome: "not_applied",
    cause: e,
  });
}
