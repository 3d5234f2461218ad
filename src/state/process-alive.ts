/**
 * Liveness of a local process, used to take over a stack lock left by a crashed dpn on this host.
 */

/**
 * True unless the process `pid` certainly does not exist on this host. Signal 0 checks existence
 * without delivering anything: ESRCH means no such process; EPERM means it exists but belongs to
 * another user, so it counts as alive. Non-positive pids are reported alive because `kill(0)` and
 * `kill(-n)` address process groups, not a single process, and say nothing about the holder.
 * Never throws.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
