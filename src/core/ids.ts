/**
 * Identifiers the engine stamps on its work: sortable transaction ids, the acting user
 * (`user@host`) and lock holder ids. Pure apart from reading the clock, randomness and the OS
 * user/host names.
 */

import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { validationError } from "./errors.js";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * A transaction id `tx_<yyyymmddhhmmss>_<8 hex>` (UTC). Ids sort by start second because the
 * timestamp comes first and is fixed-width; the random suffix keeps ids from the same second
 * apart. Never fails.
 */
export function newTxId(
  now: Date = new Date(),
  random: () => string = () => randomBytes(4).toString("hex"),
): string {
  const stamp =
    `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}` +
    `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `tx_${stamp}_${random()}`;
}

/** True when `id` has the shape `newTxId` produces. */
export function isTxId(id: string): boolean {
  return /^tx_\d{14}_[0-9a-f]{8}$/.test(id);
}

/** The OS user name; falls back to $USER/$USERNAME and then "unknown" (userInfo throws without a passwd entry). */
export function currentUser(): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // containers often run as a uid without a passwd entry
  }
  return process.env.USER ?? process.env.USERNAME ?? "unknown";
}

/**
 * The host name dpn records in locks and audit events: `DPN_HOST` when set (machines that share
 * one host name, e.g. cloned CI containers, must set distinct ones: a lock whose holder's pid is
 * gone *on this host* is taken over at once), else the OS host name, else "localhost".
 */
export function currentHost(): string {
  return process.env.DPN_HOST || hostname() || "localhost";
}

/** The actor recorded in audit events and archive markers: `user@host`. Never fails. */
export function currentActor(): string {
  return `${currentUser()}@${currentHost()}`;
}

/** Identity of a lock holder: unique per process and call, so two runs in one process differ too. */
export interface LockHolder {
  holderId: string;
  user: string;
  host: string;
  pid: number;
}

/** A fresh lock holder for this process (`<host>:<pid>:<random>`). Never fails. */
export function newLockHolder(): LockHolder {
  const host = currentHost();
  return {
    holderId: `${host}:${process.pid}:${randomBytes(4).toString("hex")}`,
    user: currentUser(),
    host,
    pid: process.pid,
  };
}

/**
 * The stack id for a project and environment: `<project>/<environment>`.
 * Throws DpnError validation `STATE_INVALID_STACK_KEY` when either part is empty or contains `/`
 * (which would make two different pairs map to the same id).
 */
export function stackIdFor(project: string, environment: string): string {
  for (const [label, v] of [
    ["project", project],
    ["environment", environment],
  ] as const) {
    if (typeof v !== "string" || v.length === 0 || v.includes("/")) {
      throw validationError("STATE_INVALID_STACK_KEY", `Invalid stack ${label} ${JSON.stringify(v)}.`, {
        hint: `The ${label} must be non-empty and must not contain "/".`,
      });
    }
  }
  return `${project}/${environment}`;
}
