/**
 * Prints the closing line CI reads: `N passed, N failed` (plus `, N skipped` when any were
 * skipped), counted over every test case of the run. Just before it, when the botocore oracle
 * logged unexpected violations, the distinct violations (the global teardown then fails the run),
 * and the slowest test files, so a CI log shows where the time went.
 */
import type { Reporter, TestModule } from "vitest/node";
import type { OracleMode } from "./support/botocore/oracle-proxy.js";
import { formatViolationReport, readViolationLog } from "./support/botocore/report.js";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      // a module that failed to load has no tests but is still a failure
      if (mod.state() === "failed" && [...mod.children.allTests()].length === 0) failed++;
    }
    const log = process.env.DPN_ORACLE_LOG;
    const bad = log ? readViolationLog(log).filter((v) => !v.expected) : [];
    if (log && bad.length) {
      const mode = (bad[0]?.mode ?? "enforce") as OracleMode;
      process.stdout.write(`\n${formatViolationReport(bad, log, mode)}\n`);
    }
    const slow = testModules
      .map((m) => ({ file: m.relativeModuleId, ms: m.diagnostic().duration }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8);
    if (slow.length > 1)
      process.stdout.write(
        `\nslowest files: ${slow.map((s) => `${s.file} ${(s.ms / 1000).toFixed(1)} s`).join(", ")}\n`,
      );
    const tail = skipped ? `, ${skipped} skipped` : "";
    process.stdout.write(`\n${passed} passed, ${failed} failed${tail}\n`);
  }
}
