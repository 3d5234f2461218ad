import type { LockInfo } from "../engine/ports.js";

/**
 * A stack lock in `--json` output, the same in `dpn status`, `dpn state info` and `dpn unlock`
 * (docs/json-output.md): snake_case, with `expired` when the lease has run out.
 */
export function lockJson(l: LockInfo, now = Date.now()) {
  return {
    holder_id: l.holderId,
    user: l.user,
    host: l.host,
    pid: l.pid,
    since: l.since,
    expires_at: l.expiresAt,
    fencing: l.fencing,
    expired: Date.parse(l.expiresAt) < now,
  };
}
