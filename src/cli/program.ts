/**
 * The dpn command tree: argv → context → one call into the core → render. Command handlers are
 * imported lazily so that `dpn --version` and light commands start fast (no AWS SDK, no SQLite).
 */
import { Command, CommanderError, Option } from "commander";
import { SANDBOX_FLAGS } from "../compose/sandbox-flags.js";
import { DpnError, ExitCode, usageError } from "../core/errors.js";
import { argumentError } from "./argument-errors.js";
import { type CliContext, type GlobalFlags, makeContext } from "./context.js";
import { versionLine } from "./package-info.js";

/** Collects repeatable `key=value` options. */
function collectKv(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parseIntOption(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) {
      throw usageError("INVALID_OPTION_VALUE", `${name} must be a non-negative integer, got '${value}'`, {
        hint: `for example ${name} 4`,
      });
    }
    return Number(value);
  };
}

type Handler = (ctx: CliContext, ...args: unknown[]) => Promise<number | undefined>;

/**
 * Wrap a lazily-imported handler: build the context from global + local flags, run it, render
 * any error once and set the exit code. Never throws.
 */
function run(load: () => Promise<Handler>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const local = cmd.opts() as Record<string, unknown>;
    const globals = cmd.optsWithGlobals() as GlobalFlags & Record<string, unknown>;
    const ctx = makeContext(globals, { json: Boolean(local.json) || local.format === "json" });
    try {
      const handler = await load();
      const code = await handler(ctx, ...args.slice(0, -1));
      process.exitCode = code ?? ExitCode.OK;
    } catch (err) {
      ctx.out.error(err, ctx.debug);
      if (ctx.out.json) {
        const error =
          err instanceof DpnError
            ? err.toJSON()
            : { code: "INTERNAL", kind: "internal", message: String(err), exit_code: ExitCode.INTERNAL };
        ctx.out.resultJson({ error });
      }
      process.exitCode = err instanceof DpnError ? err.exitCode : ExitCode.INTERNAL;
    }
  };
}

/**
 * `--yes` on a mutating command that never asks (restore, import, recover): accepted so that a
 * script can pass the same flags to every mutating command, and said so in the help.
 */
const neverAsks = (command: string) =>
  `accepted on every mutating command; ${command} never asks, so it changes nothing here`;

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;

/** `--state <url>` on a command that touches state (docs/state.md). */
function stateOption(cmd: Command): Command {
  return cmd.option(
    "--state <url>",
    "where state lives: sqlite:<path> (default sqlite:.dpn/state.db), s3://<bucket>/<prefix>, postgres://… (env: DPN_STATE)",
  );
}

function addSandboxFlags(cmd: Command): Command {
  for (const [flags, description] of Object.values(SANDBOX_FLAGS)) {
    cmd.addOption(new Option(flags, description).helpGroup("Sandbox simulation (with --target sandbox):"));
  }
  return cmd;
}

export function buildProgram(): Command {
  const program = new Command("dpn")
    .description(
      "Governed, predictable names for AWS and Databricks resources, and all-or-nothing provisioning from a blueprint.",
    )
    .version(versionLine(), "-V, --version", "print the dpn version, the Node version and the platform")
    .option("--no-color", "disable colours (NO_COLOR is honoured too)")
    .option("-q, --quiet", "print only results and errors")
    .option("-v, --verbose", "print more detail on stderr")
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      examples([
        "dpn plan init --env dev --project dataplatform",
        "dpn plan preview blueprints/dev.json",
        "dpn create --blueprint blueprints/dev.json --target sandbox --yes",
        "dpn name aws_s3_bucket --set project=dataplatform --set purpose=raw --set layer=raw --set environment=prd --set region=us-east-1",
      ]),
    );

  // ---- config ---------------------------------------------------------------------------
  const config = program
    .command("config")
    .description("create, check and show the naming convention (.dpn/*.yaml)");
  config
    .command("init")
    .description("write .dpn/naming-values.yaml and .dpn/naming-patterns.yaml (prompts only on a TTY)")
    .option("--project <name>", "project name (^[a-z0-9-]+$)")
    .option("--env, --environment <env>", "default environment: dev, stg or prd")
    .option("--region <region>", "AWS region, e.g. us-east-1")
    .option("--team <team>", "owning team")
    .option("--cost-center <cc>", "cost centre")
    .option("--force", "overwrite existing files")
    .addHelpText(
      "after",
      examples([
        "dpn config init --project dataplatform --environment dev --region us-east-1 --team data --cost-center cc-42",
        "dpn config init --force --project sales",
      ]),
    )
    .action(run(async () => (await import("./commands/config.js")).configInit));
  config
    .command("validate")
    .description("check the convention files; exit 3 with every problem when invalid")
    .option("--values-config <file>", "naming-values file (default .dpn/naming-values.yaml)")
    .option("--patterns-config <file>", "naming-patterns file (default .dpn/naming-patterns.yaml)")
    .option("--json", "print the result as JSON")
    .addHelpText("after", examples(["dpn config validate", "dpn config validate --json"]))
    .action(run(async () => (await import("./commands/config.js")).configValidate));
  config
    .command("show")
    .description("show the effective convention (built-ins merged with .dpn/ files)")
    .option("--resource-type <type>", "only this resource type")
    .option("--values-config <file>", "naming-values file")
    .option("--patterns-config <file>", "naming-patterns file")
    .option("--json", "print as JSON")
    .addHelpText(
      "after",
      examples(["dpn config show", "dpn config show --resource-type aws_s3_bucket --json"]),
    )
    .action(run(async () => (await import("./commands/config.js")).configShow));

  // ---- name -----------------------------------------------------------------------------
  program
    .command("name")
    .description("generate one name for a resource type, optionally explaining its derivation")
    .argument("<type>", "resource type key, e.g. aws_s3_bucket, dbx_catalog")
    .option("--set <key=value>", "a naming value (repeatable)", collectKv, [])
    .option("--override <key=value>", "a value that beats every layer (repeatable)", collectKv, [])
    .option("--explain", "show the template, each value and its layer, transformations and rules")
    .option("--values-config <file>", "naming-values file")
    .option("--patterns-config <file>", "naming-patterns file")
    .option("--json", "print as JSON")
    .addHelpText(
      "after",
      examples([
        "dpn name aws_s3_bucket --set project=dataplatform --set purpose=raw --set layer=raw --set environment=prd --set region=us-east-1",
        "dpn name dbx_catalog --set project=dataplatform --set catalog_type=main --set environment=dev --explain",
      ]),
    )
    .action(run(async () => (await import("./commands/name.js")).nameCommand));

  // ---- plan -----------------------------------------------------------------------------
  const plan = program.command("plan").description("create, check and preview blueprints");
  plan
    .command("init")
    .description(
      "write a realistic starter blueprint (default blueprints/<env>.json) with the convention's project, region and team",
    )
    .option(
      "--environment, --env <env>",
      "environment: dev, stg or prd (default: the convention's environment)",
    )
    .option("--project <name>", "project name, ^[a-z0-9-]+$ (default: the convention's project)")
    .option("--region <region>", "AWS region (default: the convention's region, else us-east-1)")
    .option("--output <file>", "where to write it")
    .option("--force", "overwrite an existing file")
    .addHelpText(
      "after",
      examples([
        "dpn plan init --env dev --project dataplatform",
        "dpn plan init --env prd --project platform --output prod.json",
        "dpn config init --project sales --environment dev --region eu-west-1 --team data && dpn plan init",
      ]),
    )
    .action(run(async () => (await import("./commands/plan.js")).planInit));
  plan
    .command("validate")
    .description("check a blueprint: exit 0 when valid, 3 with every problem when not")
    .argument("[file]", "blueprint JSON file (the same as --blueprint)")
    .option("--blueprint <file>", "blueprint JSON file")
    .option("--values-config <file>", "naming-values file")
    .option("--patterns-config <file>", "naming-patterns file")
    .option("--override <key=value>", "naming override (repeatable)", collectKv, [])
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      examples(["dpn plan validate blueprints/dev.json", "dpn plan validate --blueprint prod.json --json"]),
    )
    .action(run(async () => (await import("./commands/plan.js")).planValidate));
  plan
    .command("preview")
    .description("every resource with type, address, name and dependencies, in execution order")
    .argument("[file]", "blueprint JSON file (the same as --blueprint)")
    .option("--blueprint <file>", "blueprint JSON file")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .option("--json", "print as JSON (the same as --format json)")
    .option("--override <key=value>", "naming override that beats every layer (repeatable)", collectKv, [])
    .option("--values-config <file>", "naming-values file")
    .option("--patterns-config <file>", "naming-patterns file")
    .addHelpText(
      "after",
      examples([
        "dpn plan preview blueprints/dev.json",
        "dpn plan preview --blueprint blueprints/prd.json --json",
        "dpn plan preview blueprints/dev.json --override environment=stg",
      ]),
    )
    .action(run(async () => (await import("./commands/plan.js")).planPreview));

  plan
    .command("graph")
    .description(
      "the resources and their dependencies as a Mermaid or Graphviz DOT graph, grouped by platform",
    )
    .argument("[file]", "blueprint JSON file (the same as --blueprint)")
    .option("--blueprint <file>", "blueprint JSON file")
    .addOption(
      new Option("--format <format>", "graph language").choices(["mermaid", "dot"]).default("mermaid"),
    )
    .option("--override <key=value>", "naming override that beats every layer (repeatable)", collectKv, [])
    .option("--values-config <file>", "naming-values file")
    .option("--patterns-config <file>", "naming-patterns file")
    .addHelpText(
      "after",
      examples([
        "dpn plan graph blueprints/dev.json                 # paste into a Markdown mermaid block",
        "dpn plan graph --blueprint blueprints/dev.json --format dot | dot -Tsvg > dev.svg",
      ]),
    )
    .action(run(async () => (await import("./commands/plan.js")).planGraph));

  // ---- create ---------------------------------------------------------------------------
  const targetOption = () =>
    new Option(
      "--target <target>",
      "where to provision: cloud (AWS + Databricks) or sandbox (local simulation)",
    )
      .choices(["cloud", "sandbox"])
      .env("DPN_TARGET")
      .default("cloud");
  stateOption(addSandboxFlags(program.command("create")))
    .description("provision every resource of a blueprint as one all-or-nothing transaction")
    .option("--blueprint <file>", "blueprint JSON file (required unless --plan)")
    .option(
      "--plan <file>",
      "apply exactly this saved plan, or refuse with PLAN_STALE (exit 11) if anything changed",
    )
    .addOption(targetOption())
    .option("--dry-run", "show every operation in execution order and change nothing")
    .option(
      "--out <file>",
      "with --dry-run: also write the plan as a saved plan (schemas/saved-plan.schema.json)",
    )
    .option("--yes", "do not ask for confirmation (required without a TTY)")
    .option("--parallelism <n>", "maximum concurrent provider calls", parseIntOption("--parallelism"), 10)
    .addOption(
      new Option(
        "--refresh <mode>",
        "how resources in state are read: full (the default) reads every setting, so drift is found and corrected; quick reads what one call shows (S3: a bucket's tags) and trusts state for the rest; with --plan, the plan's mode; else 'refresh:' in .dpn/settings.yaml",
      )
        .choices(["full", "quick"])
        .env("DPN_REFRESH"),
    )
    .option("--no-rollback", "on failure keep what succeeded instead of rolling back")
    .option(
      "--prune [mode]",
      "act on the resources in state the blueprint no longer has: archive (default) in the same transaction (dpn restore undoes it), or delete in a cleanup phase after the commit",
    )
    .option("--force", "with --prune=delete: also delete what the removed resources hold")
    .option(
      "--lock-timeout <seconds>",
      "wait this long for another run on the stack",
      parseIntOption("--lock-timeout"),
      0,
    )
    .option(
      "--lock-lease <seconds>",
      "lease of the stack lock, renewed while the run lives; a stopped holder loses it after this (env: DPN_LOCK_LEASE; default 60)",
      parseIntOption("--lock-lease"),
    )
    .option("--override <key=value>", "naming override (repeatable)", collectKv, [])
    .option("--values-config <file>", "naming-values file")
    .option("--patterns-config <file>", "naming-patterns file")
    .option("--profile <name>", "AWS / Databricks profile")
    .option("--aws-profile <name>", "AWS profile (overrides --profile for AWS)")
    .option("--databricks-profile <name>", "~/.databrickscfg profile (overrides --profile for Databricks)")
    .option("--wait", "wait for clusters to reach RUNNING")
    .option("--detailed-exitcode", "with --dry-run: exit 10 when changes are pending")
    .addOption(
      new Option(
        "--format <format>",
        "output: table, json (= --json); with --dry-run also markdown (for a pull request), mermaid or dot (a graph coloured by action)",
      )
        .choices(["table", "json", "markdown", "mermaid", "dot"])
        .default("table"),
    )
    .option("--json", "print one final JSON document")
    .addHelpText(
      "after",
      examples([
        "dpn create --blueprint examples/blueprints/dev.json --target sandbox --yes",
        "dpn create --blueprint blueprints/prd.json --dry-run",
        "dpn create --blueprint blueprints/prd.json --dry-run --format markdown > plan.md",
        "dpn create --blueprint blueprints/prd.json --dry-run --out prd.plan.json && dpn create --plan prd.plan.json --yes",
        "DPN_SANDBOX_FAIL_AFTER=5 dpn create --blueprint examples/blueprints/dev.json --target sandbox --yes",
      ]),
    )
    .action(run(async () => (await import("./commands/create.js")).createCommand));

  // ---- recovery, locks, history -----------------------------------------------------------
  const stackOptions = (c: Command) =>
    stateOption(c)
      .option("--blueprint <file>", "select the stack of this blueprint")
      .option("--project <name>", "select the stack by project (with --env)")
      .option("--environment, --env <env>", "select the stack by environment (with --project)");
  stackOptions(
    program
      .command("recover")
      .description("finish an interrupted transaction: roll it back (default) or forward with --resume")
      .option("--resume", "roll forward: finish the interrupted create instead of undoing it")
      .addOption(targetOption())
      .option("--profile <name>", "AWS / Databricks profile")
      .option("--dry-run", "show the unfinished transactions and what recovery would do; change nothing")
      .option("--yes", neverAsks("recover"))
      .option("--aws-profile <name>", "AWS profile (overrides --profile for AWS)")
      .option("--databricks-profile <name>", "~/.databrickscfg profile (overrides --profile for Databricks)")
      .option("--json", "print one final JSON document"),
  )
    .addHelpText(
      "after",
      examples([
        "dpn recover --target sandbox",
        "dpn recover --dry-run --json",
        "dpn recover --resume --blueprint blueprints/dev.json",
      ]),
    )
    .action(run(async () => (await import("./commands/recover.js")).recoverCommand));
  stackOptions(
    program
      .command("unlock")
      .description("release a stuck stack lock (only when you are sure its holder is gone)")
      .argument("<lock-id>", "the lock holder id shown by the lock error or `dpn status`")
      .option("--force", "confirm that the holder is gone (unlock's confirmation; --yes is not enough)")
      .option("--dry-run", "show the lock that would be released; change nothing")
      .option("--json", "print one final JSON document"),
  )
    .addHelpText(
      "after",
      examples([
        "dpn unlock 7f3c2a --dry-run --project dataplatform --env dev",
        "dpn unlock --force 7f3c2a --project dataplatform --env dev",
      ]),
    )
    .action(run(async () => (await import("./commands/history.js")).unlockCommand));

  const state = program
    .command("state")
    .description("where state lives: the backend, its permissions, moving it (docs/state.md)");
  stateOption(state.command("info"))
    .description("the backend, its stacks, their locks and unfinished transactions")
    .option("--json", "print as JSON")
    .addHelpText("after", examples(["dpn state info", "dpn state info --state s3://team-state/dpn --json"]))
    .action(run(async () => (await import("./commands/state.js")).stateInfoCommand));
  stateOption(state.command("check"))
    .description("verify the backend's permissions and settings before first use (exit 8 when one fails)")
    .option("--json", "print as JSON")
    .addHelpText("after", examples(["DPN_STATE=s3://team-state/dpn dpn state check"]))
    .action(run(async () => (await import("./commands/state.js")).stateCheckCommand));
  stateOption(state.command("migrate"))
    .description(
      "copy every stack, transaction, journal entry and audit event to another backend, verify the copy, and retire the source",
    )
    .requiredOption("--to <url>", "the new backend: s3://<bucket>/<prefix>, postgres://…, sqlite:<path>")
    .option("--dry-run", "show what would be copied; change nothing")
    .option("--yes", "do not ask for confirmation (required without a TTY)")
    .option("--json", "print one final JSON document")
    .addHelpText(
      "after",
      examples([
        "dpn state migrate --to s3://team-state/dpn --dry-run",
        "dpn state migrate --to postgres://dpn@db.internal/dpn --yes",
      ]),
    )
    .action(run(async () => (await import("./commands/state.js")).stateMigrateCommand));

  const tx = program.command("tx").description("transaction history");
  stackOptions(tx.command("list").description("list transactions, newest first"))
    .option("--limit <n>", "at most this many", parseIntOption("--limit"), 20)
    .option("--json", "print as JSON")
    .addHelpText("after", examples(["dpn tx list", "dpn tx list --json"]))
    .action(run(async () => (await import("./commands/history.js")).txList));
  stateOption(tx.command("show"))
    .description("one transaction with every journaled operation")
    .argument("<id>", "transaction id")
    .option("--json", "print as JSON")
    .addHelpText("after", examples(["dpn tx show tx_20261125T203000_ab12cd"]))
    .action(run(async () => (await import("./commands/history.js")).txShow));
  stackOptions(
    program
      .command("audit")
      .description("the audit trail: who, when, command, blueprint hash, every operation"),
  )
    .option("--since <when>", "ISO date/time, or a duration like 2h, 3d")
    .option("--limit <n>", "at most this many events", parseIntOption("--limit"), 200)
    .option("--json", "print as JSON")
    .addHelpText("after", examples(["dpn audit", "dpn audit --since 2h --json"]))
    .action(run(async () => (await import("./commands/history.js")).auditCommand));

  // ---- single-resource management ---------------------------------------------------------
  const typeHelp =
    "resource type, e.g. aws_s3_bucket, dbx_table (needed when the id is not a qualified address)";
  const idHelp = "the resource: a name, full name or qualified address (e.g. dbx_table.cat.schema.tbl)";
  const manageOptions = (c: Command, o: { changes?: boolean } = {}) => {
    stackOptions(c)
      .addOption(targetOption())
      .option("--profile <name>", "AWS / Databricks profile")
      .option("--aws-profile <name>", "AWS profile (overrides --profile for AWS)")
      .option("--databricks-profile <name>", "~/.databrickscfg profile (overrides --profile for Databricks)");
    if (o.changes)
      c.option(
        "--lock-timeout <seconds>",
        "wait this long for another run on the stack",
        parseIntOption("--lock-timeout"),
        0,
      ).option(
        "--lock-lease <seconds>",
        "lease of the stack lock (env: DPN_LOCK_LEASE; default 60)",
        parseIntOption("--lock-lease"),
      );
    return c;
  };
  manageOptions(
    program
      .command("read")
      .description("one resource: the live object next to what state knows, with drift field by field")
      .requiredOption("--resource-id <id>", idHelp)
      .option("--type <type>", typeHelp)
      .option("--json", "print as JSON"),
  )
    .addHelpText(
      "after",
      examples([
        "dpn read --resource-id dataplatform-landing-raw-dev-use1 --type aws_s3_bucket --target sandbox",
        "dpn read --resource-id dbx_table.dataplatform_main_dev.sales_bronze.fact_orders --json",
      ]),
    )
    .action(run(async () => (await import("./commands/read.js")).readCommand));
  manageOptions(
    program
      .command("update")
      .description(
        "change settings of one resource from a JSON file, as a transaction that restores them on failure",
      )
      .requiredOption("--resource-id <id>", idHelp)
      .option("--type <type>", typeHelp)
      .requiredOption(
        "--params <file>",
        "updates.json: the settings to change (schemas/update-<type>.schema.json)",
      )
      .option("--dry-run", "show the diff and change nothing")
      .option("--yes", "do not ask for confirmation (required without a TTY)")
      .option("--json", "print one final JSON document"),
    { changes: true },
  )
    .addHelpText(
      "after",
      examples([
        'echo \'{"versioning": true, "tags": {"Owner": "sales@example.com"}}\' > updates.json',
        "dpn update --resource-id dataplatform-landing-raw-dev-use1 --type aws_s3_bucket --params updates.json --dry-run",
        "dpn update --resource-id dataplatform-landing-raw-dev-use1 --type aws_s3_bucket --params updates.json --yes",
      ]),
    )
    .action(run(async () => (await import("./commands/update.js")).updateCommand));
  manageOptions(
    program
      .command("delete")
      .description("delete one resource, or archive it (soft delete) with --archive")
      .requiredOption("--resource-id <id>", idHelp)
      .option("--type <type>", typeHelp)
      .option("--archive", "soft delete: keep the object and its data, see docs/archive-restore.md")
      .option(
        "--force",
        "also delete what it holds (objects, tables, schemas); asks to type the name on a TTY",
      )
      .option("--dry-run", "show what would be deleted or archived and the checks that apply; change nothing")
      .option("--yes", "do not ask for confirmation (required without a TTY)")
      .option("--json", "print one final JSON document"),
    { changes: true },
  )
    .addHelpText(
      "after",
      examples([
        "dpn delete --resource-id dataplatform-etl-shared-dev --type dbx_cluster --archive",
        "dpn delete --resource-id dbx_volume.dataplatform_main_dev.sales_bronze.raw_landing --dry-run",
        "dpn delete --resource-id dbx_volume.dataplatform_main_dev.sales_bronze.raw_landing --yes",
        "dpn delete --resource-id dataplatform-landing-raw-dev-use1 --type aws_s3_bucket --force",
      ]),
    )
    .action(run(async () => (await import("./commands/delete.js")).deleteCommand));
  manageOptions(
    program
      .command("destroy")
      .description(
        "retire a whole stack, dependents first: delete every resource, or archive them all with --archive",
      )
      .option(
        "--archive",
        "soft destroy: archive everything in one transaction (dpn restore brings each back)",
      )
      .option("--force", "hard destroy: also delete what the resources hold; asks to type the stack on a TTY")
      .option("--dry-run", "list what would be deleted or archived, in order; change nothing")
      .option("--yes", "do not ask for confirmation (required without a TTY)")
      .option("--json", "print one final JSON document"),
    { changes: true },
  )
    .addHelpText(
      "after",
      examples([
        "dpn destroy --project dataplatform --env dev --dry-run",
        "dpn destroy --blueprint blueprints/dev.json --archive --yes",
        "dpn destroy --project dataplatform --env dev --force",
      ]),
    )
    .action(run(async () => (await import("./commands/destroy.js")).destroyCommand));
  manageOptions(
    program
      .command("restore")
      .description("undo an archive exactly")
      .requiredOption("--resource-id <id>", idHelp)
      .option("--type <type>", typeHelp)
      .option("--dry-run", "show whether it is archived and would be restored; change nothing")
      .option("--yes", neverAsks("restore"))
      .option("--json", "print one final JSON document"),
    { changes: true },
  )
    .addHelpText(
      "after",
      examples(["dpn restore --resource-id dataplatform-etl-shared-dev --type dbx_cluster --target sandbox"]),
    )
    .action(run(async () => (await import("./commands/restore.js")).restoreCommand));
  stackOptions(
    program
      .command("list")
      .description("the stack's resources as the state knows them (active ones unless --archived)")
      .option("--type <type>", "only this resource type")
      .option("--archived", "only the archived resources")
      .addOption(
        new Option(
          "--target <target>",
          "only resources last written on this target (cloud or sandbox); default: every target",
        )
          .choices(["cloud", "sandbox"])
          .env("DPN_TARGET"),
      )
      .option("--json", "print as JSON"),
  )
    .addHelpText("after", examples(["dpn list", "dpn list --type dbx_table --json", "dpn list --archived"]))
    .action(run(async () => (await import("./commands/list.js")).listCommand));
  manageOptions(
    program
      .command("status")
      .description("the stack at a glance: resources, lock holder, unfinished and last transaction, drift")
      .option("--no-drift", "skip the live reads (no drift count)")
      .option(
        "--detailed-exitcode",
        "exit 10 when a stack has drift or unfinished transactions (0 when clean)",
      )
      .option("--json", "print as JSON"),
  )
    .addHelpText("after", examples(["dpn status --target sandbox", "dpn status --no-drift --json"]))
    .action(run(async () => (await import("./commands/status.js")).statusCommand));
  manageOptions(
    program
      .command("import")
      .description("adopt an existing remote object into the stack (stamps dpn's ownership markers)")
      .requiredOption("--type <type>", "resource type, e.g. aws_s3_bucket")
      .requiredOption(
        "--resource-id <id>",
        "remote name or id: bucket, Glue db or db.table, UC catalog.schema.name, cluster_id, job_id",
      )
      .option("--allow-noncompliant", "import even when the name breaks the naming rules (it is reported)")
      .option("--values-config <file>", "naming-values file")
      .option("--patterns-config <file>", "naming-patterns file")
      .option("--dry-run", "run every check and show what would be adopted; stamp nothing")
      .option("--yes", neverAsks("import"))
      .option("--json", "print one final JSON document"),
    { changes: true },
  )
    .addHelpText(
      "after",
      examples([
        "dpn import --type aws_s3_bucket --resource-id dataplatform-archive-raw-dev-use1 --project dataplatform --env dev",
        "dpn import --type dbx_schema --resource-id dataplatform_main_dev.legacy --allow-noncompliant",
      ]),
    )
    .action(run(async () => (await import("./commands/import.js")).importCommand));

  // ---- governance ---------------------------------------------------------------------------
  addSandboxFlags(program.command("scan"))
    .description(
      "read the live estate back through the convention: managed, compliant or noncompliant, with reasons, tags and scores (read-only)",
    )
    .addOption(targetOption())
    .option("--profile <name>", "AWS / Databricks profile")
    .option("--aws-profile <name>", "AWS profile (overrides --profile for AWS)")
    .option("--databricks-profile <name>", "~/.databrickscfg profile (overrides --profile for Databricks)")
    .option(
      "--region <regions>",
      "read Glue in these AWS regions only (repeatable or comma-separated; the first is the clients' default); default: AWS_REGION, the convention's regions and the buckets' regions",
      collectKv,
      [],
    )
    .option("--type <type>", "only this resource type (repeatable)", collectKv, [])
    .option("--project <name>", "only this project; names of other projects are out of scope")
    .option("--environment, --env <env>", "only this environment; names of others are out of scope")
    .option("--include <glob>", "only full names matching this glob, * and ? (repeatable)", collectKv, [])
    .option("--exclude <glob>", "leave out full names matching this glob (repeatable)", collectKv, [])
    .addOption(
      new Option("--format <format>", "report format")
        .choices(["table", "json", "sarif", "junit", "html"])
        .default("table"),
    )
    .option("--json", "print the JSON report (the same as --format json)")
    .option("--all", "table: list every object, not only those that fail")
    .option("--html <file>", "also write the self-contained HTML report to this file")
    .option("--fail-under <percent>", "exit 3 when fewer than this percentage of the objects pass")
    .option(
      "--plan-migration <dir>",
      "write the migration plan: migration.json, import.sh, blueprint fragments",
    )
    .option("--force", "with --plan-migration: replace an earlier plan in the folder")
    .option("--values-config <file>", "naming-values file")
    .option("--patterns-config <file>", "naming-patterns file")
    .addHelpText(
      "after",
      examples([
        "dpn scan --target sandbox",
        "dpn scan --project dataplatform --env prd --fail-under 90",
        "dpn scan --format sarif > scan.sarif",
        "dpn scan --html report.html --plan-migration migration/",
      ]),
    )
    .action(run(async () => (await import("./commands/scan.js")).scanCommand));

  stackOptions(
    addSandboxFlags(
      program
        .command("migrate")
        .description(
          "carry out a scan's in-place renames (migration.json) as one transaction that renames back on failure",
        ),
    ),
  )
    .requiredOption("--plan <file>", "the migration.json written by `dpn scan --plan-migration <dir>`")
    .addOption(targetOption())
    .option("--profile <name>", "AWS / Databricks profile")
    .option("--aws-profile <name>", "AWS profile (overrides --profile for AWS)")
    .option("--databricks-profile <name>", "~/.databrickscfg profile (overrides --profile for Databricks)")
    .option("--dry-run", "check every rename against the live estate and list them; change nothing")
    .option("--yes", "do not ask for confirmation (required without a TTY)")
    .option(
      "--lock-timeout <seconds>",
      "wait this long for another run on the stack",
      parseIntOption("--lock-timeout"),
      0,
    )
    .option("--json", "print one final JSON document")
    .addHelpText(
      "after",
      examples([
        "dpn scan --project dataplatform --env prd --plan-migration migration/",
        "dpn migrate --plan migration/migration.json --dry-run",
        "dpn migrate --plan migration/migration.json --yes",
      ]),
    )
    .action(run(async () => (await import("./commands/migrate.js")).migrateCommand));

  // ---- shell completion -------------------------------------------------------------------
  program
    .command("completion")
    .description("print a shell completion script for bash, zsh or fish")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      examples([
        "source <(dpn completion bash)                  # in ~/.bashrc",
        "source <(dpn completion zsh)                   # in ~/.zshrc",
        "dpn completion fish > ~/.config/fish/completions/dpn.fish",
      ]),
    )
    .action(run(async () => (await import("./commands/completion.js")).completionCommand));

  return program;
}

/**
 * Whether a command line that failed to parse asked for JSON, spelt as `run()` reads the parsed
 * options: `--json`, or `--format json` / `--format=json`.
 */
function asksForJson(words: readonly string[]): boolean {
  return words.some(
    (w, i) => w === "--json" || w === "--format=json" || (w === "--format" && words[i + 1] === "json"),
  );
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  // every (sub)command reports parse errors by throwing, so they all exit 2 (usage) below
  const all: Command[] = [program];
  for (let i = 0; i < all.length; i++) all.push(...(all[i] as Command).commands);
  // parse errors are rendered below as typed usage errors (text, or the JSON document with --json)
  for (const cmd of all) cmd.exitOverride().configureOutput({ outputError: () => {} });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every other commander error is a usage error (exit 2)
      const ok = ["commander.helpDisplayed", "commander.version", "commander.help"].includes(err.code);
      if (ok) {
        process.exitCode = ExitCode.OK;
        return;
      }
      const words = argv.slice(2);
      const e = argumentError(program, words, err);
      const ctx = makeContext({}, { json: asksForJson(words) });
      ctx.out.error(e, ctx.debug);
      if (ctx.out.json) ctx.out.resultJson({ error: e.toJSON() });
      process.exitCode = e.exitCode;
      return;
    }
    if (err instanceof DpnError) {
      const ctx = makeContext({});
      ctx.out.error(err, ctx.debug);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
