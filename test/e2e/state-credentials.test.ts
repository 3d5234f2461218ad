/**
 * Proof (issue 13): a password in the state URL never reaches output, errors, the audit trail or
 * the state itself — not through the recorded command line, not through `dpn state info`, not in
 * any row the PostgreSQL backend stores.
 */
import { describe, expect, inject, it } from "vitest";
import { describeResult, runCli, tempProject } from "../support/cli.js";
import { adminQuery, createTestDatabase } from "../support/postgres.js";
import { DEV_BLUEPRINT } from "./sandbox-invariants.js";

const SECRET = "s3cr3t-Pw-4711";

describe("credentials in a state URL", () => {
  it("appear nowhere: stdout, stderr, audit, transactions, state info, stored rows", async () => {
    const db = await createTestDatabase(inject("postgresUrl"));
    // the test server trusts loopback, so any password is accepted: what matters is where it goes
    const u = new URL(db.url);
    u.password = SECRET;
    const url = u.toString();
    const dir = tempProject();
    const outputs: string[] = [];
    const run = async (args: string[], code = 0) => {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, describeResult(r)).toBe(code);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    await run(["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes", "--state", url]);
    await run(["state", "info", "--state", url, "--json"]);
    await run(["state", "check", "--state", url]);
    const txs = await run(["tx", "list", "--json", "--state", url]);
    const [tx] = JSON.parse(txs.stdout).transactions as { id: string; command: string }[];
    expect(tx?.command).toContain("--state postgres://postgres:***@");
    await run(["tx", "show", tx?.id ?? "", "--json", "--state", url]);
    await run(["audit", "--json", "--state", url]);
    // a server that cannot be reached: the error names the server, not the password
    const down = new URL(url);
    down.port = "1";
    const refused = await run(["status", "--no-drift", "--state", down.toString()], 8);
    expect(refused.stderr).toContain("STATE_UNREACHABLE");
    expect(refused.stderr).toContain("postgres@127.0.0.1:1");

    for (const o of outputs) expect(o).not.toContain(SECRET);
    // and nothing stored holds it
    const tables = await adminQuery<{ table_name: string }>(
      db.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.length).toBeGreaterThan(5);
    for (const { table_name } of tables) {
      const rows = await adminQuery(db.url, `SELECT * FROM "${table_name}"`);
      expect(JSON.stringify(rows), table_name).not.toContain(SECRET);
    }
    await db.drop();
  }, 120_000);
});
