/**
 * `dpn recover [--resume]` run in the test process, through the use case the command calls
 * (`recoverStack` over `appContext`). Kill proofs that recover after every one of many kills use
 * it to spare a CLI child per recovery; the recover command itself (argument parsing, rendering,
 * exit codes) is proven through the CLI in sandbox-crash-recovery, sandbox-foreign,
 * cloud-recover and cloud-kill-points.
 */
import { recoverStack } from "../../src/app/recover-stack.js";
import { appContext } from "../../src/compose/compose.js";
import { isDpnError } from "../../src/core/errors.js";
import { childEnv } from "./cli.js";

export interface RecoverHereOptions {
  target: "sandbox" | "cloud";
  resume?: boolean;
  blueprint?: string;
}

const failure = (e: unknown) => (isDpnError(e) ? `${e.code}: ${e.message}` : String(e));

/**
 * Recover the stack of `cwd` as `dpn recover` would with `env` (the CLI child's environment by
 * default); the problems, empty when every unfinished transaction ended committed or rolled back
 * (what `dpn recover` exits 0 for). Which of the two is the caller's assertion.
 */
export async function recoverHere(
  cwd: string,
  o: RecoverHereOptions,
  env: Record<string, string | undefined> = childEnv(),
): Promise<string[]> {
  try {
    const r = await recoverStack(appContext({ cwd, env }, { command: "recover" }), {
      target: o.target,
      ...(o.blueprint ? { blueprint: o.blueprint } : {}),
      ...(o.resume ? { resume: true } : {}),
    });
    if (r.kind !== "recovered") return [];
    return r.results
      .filter((t) => t.outcome !== "committed" && t.outcome !== "rolled_back")
      .map((t) => `recover: ${t.txId} ${t.outcome}${t.error ? ` (${failure(t.error)})` : ""}`);
  } catch (e) {
    return [`recover failed: ${failure(e)}`];
  }
}
