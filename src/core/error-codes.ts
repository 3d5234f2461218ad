/**
 * The registry of error codes: every code a DpnError can carry, its kind (hence its one exit
 * code) and the line that documents it. Codes are typed as this table's keys, so a new code does
 * not compile until it is registered here, and the kind a code is raised with comes from here:
 * one code, one exit. docs/exit-codes.md's code table is generated from this file
 * (`npm run docs`) and a test holds the two equal.
 *
 * AWS errors without a code of our own keep the service's name as `AWS_<NAME>` (kind from
 * their category); they are the one open family.
 */
import { type ErrorKind, exitOfKind } from "./errors.js";

interface CodeEntry {
  readonly kind: ErrorKind;
  readonly doc: string;
}

export const ERROR_CODES = {
  ABORTED_BY_USER: {
    kind: "aborted",
    doc: "The user answered no at the confirmation prompt; nothing was changed.",
  },
  ADDRESS_IN_USE: {
    kind: "validation",
    doc: "An import would give a resource an address another resource of the stack already has.",
  },
  APPLY_FAILED_KEPT: {
    kind: "provider",
    doc: "An apply failed under --no-rollback; the completed changes were kept and the state says which.",
  },
  APPLY_ROLLED_BACK: { kind: "rolled_back", doc: "An apply failed and every completed change was undone." },
  ARGUMENTS_INVALID: {
    kind: "usage",
    doc: "The command line does not parse: a missing or extra argument, an unknown command, a bad option value.",
  },
  AWS_ACCESS_DENIED: { kind: "auth", doc: "AWS denied a call to authenticated credentials." },
  AWS_AUTH: { kind: "auth", doc: "No usable AWS credentials, or AWS rejected them." },
  AWS_PROFILE_NOT_FOUND: {
    kind: "auth",
    doc: "The AWS profile (--profile, AWS_PROFILE) is in neither shared file; the hint lists the known ones.",
  },
  AWS_RATE_LIMIT_INVALID: {
    kind: "usage",
    doc: "DPN_AWS_RATE_LIMITS has an entry that is not <service>=<calls per second> for s3 or glue.",
  },
  BLUEPRINT_INVALID: {
    kind: "validation",
    doc: "The blueprint breaks the schema or a rule; every problem is listed with file:line:column.",
  },
  BLUEPRINT_JSON_INVALID: { kind: "validation", doc: "The blueprint file is not valid JSON." },
  BLUEPRINT_NOT_FOUND: { kind: "usage", doc: "The blueprint path names no file." },
  BLUEPRINT_TOO_LARGE: { kind: "validation", doc: "The blueprint file is above the size limit." },
  CONFIG_INVALID: {
    kind: "validation",
    doc: "The naming convention in .dpn/ is invalid; every problem is listed.",
  },
  CONFIG_NOT_FOUND: {
    kind: "validation",
    doc: "A convention file named on the command line does not exist.",
  },
  CONFIRMATION_REQUIRED: {
    kind: "aborted",
    doc: "A change needs confirmation and there is no TTY; pass --yes.",
  },
  DBX_AUTH: { kind: "auth", doc: "Databricks rejected the credentials (401/403 on the identity check)." },
  DBX_AUTH_CONFLICT: { kind: "auth", doc: "More than one Databricks authentication method is configured." },
  DBX_AUTH_TYPE_UNSUPPORTED: {
    kind: "auth",
    doc: "The configured Databricks auth_type is not one dpn supports.",
  },
  DBX_BAD_RESPONSE: {
    kind: "provider",
    doc: "Databricks answered with a body that is not the documented JSON.",
  },
  DBX_AZURE_AUTH_FAILED: {
    kind: "auth",
    doc: "An Azure credential (client secret, Azure CLI, managed identity) gave no Azure AD token for Databricks.",
  },
  DBX_CLI_AUTH_FAILED: {
    kind: "auth",
    doc: "The Databricks CLI (databricks-cli auth) or the Azure CLI is missing or gave no token.",
  },
  DBX_CLUSTER_FAILED: {
    kind: "provider",
    doc: "A cluster did not reach the wanted state (it ended TERMINATED or ERROR).",
  },
  DBX_CLUSTER_PIN_FAILED: {
    kind: "auth",
    doc: "A cluster could not be pinned or unpinned (the principal lacks the permission).",
  },
  DBX_CLUSTER_WAIT_TIMEOUT: {
    kind: "provider",
    doc: "A cluster stayed in a transitional state beyond the wait limit.",
  },
  DBX_CONFIG_FILE_INVALID: {
    kind: "auth",
    doc: "The Databricks configuration file (~/.databrickscfg) cannot be parsed.",
  },
  DBX_CONFLICT: {
    kind: "provider",
    doc: "Databricks refused a call because the object already exists or changed concurrently.",
  },
  DBX_CREDENTIALS_MISSING: {
    kind: "auth",
    doc: "A Databricks authentication method is configured without all its values.",
  },
  DBX_GCP_AUTH_FAILED: {
    kind: "auth",
    doc: "The Google service account key (google-credentials auth) is unreadable or Google refused it.",
  },
  DBX_HOST_INVALID: { kind: "auth", doc: "DATABRICKS_HOST is not a valid workspace URL." },
  DBX_HOST_MISSING: { kind: "auth", doc: "No Databricks workspace host is configured." },
  DBX_INTERNAL: { kind: "provider", doc: "An unexpected failure inside the Databricks client." },
  DBX_INVALID_REQUEST: {
    kind: "validation",
    doc: "Databricks refused the request as invalid (400); nothing was changed.",
  },
  DBX_NETWORK: {
    kind: "provider",
    doc: "The Databricks workspace could not be reached (connection refused, reset or DNS failure).",
  },
  DBX_NODE_TYPE_UNKNOWN: {
    kind: "validation",
    doc: "A cluster names a node type the workspace does not offer.",
  },
  DBX_NOT_EMPTY: {
    kind: "provider",
    doc: "A catalog, schema or volume still holds objects and was not deleted.",
  },
  DBX_NOT_FOUND: { kind: "provider", doc: "A Databricks object does not exist (any more)." },
  DBX_NO_LTS_RUNTIME: {
    kind: "validation",
    doc: "The workspace lists no LTS runtime to default spark_version to.",
  },
  DBX_NO_METASTORE: { kind: "validation", doc: "The workspace has no Unity Catalog metastore assigned." },
  DBX_OAUTH_FAILED: { kind: "auth", doc: "The OAuth token endpoint refused or failed the token request." },
  DBX_OUTCOME_UNKNOWN: {
    kind: "provider",
    doc: "A mutating Databricks call got no answer; dpn looks the object up before deciding.",
  },
  DBX_UNREACHABLE: {
    kind: "provider",
    doc: "The Databricks host refused the connection or does not resolve; nothing was sent or changed.",
  },
  DBX_PERMISSION_DENIED: {
    kind: "auth",
    doc: "The principal is authenticated but lacks a permission a call needs.",
  },
  DBX_PROFILE_NOT_FOUND: {
    kind: "auth",
    doc: "The requested Databricks profile is not in the configuration file.",
  },
  DBX_RATE_LIMIT_INVALID: {
    kind: "usage",
    doc: "The Databricks rate limit setting is not a positive number.",
  },
  DBX_REF_UNRESOLVED: {
    kind: "validation",
    doc: "A job task references a cluster that has no remote id yet.",
  },
  DBX_REPLACE_REQUIRED: {
    kind: "validation",
    doc: "A change touches fields the platform cannot change in place.",
  },
  DBX_SPARK_VERSION_UNKNOWN: {
    kind: "validation",
    doc: "A cluster names a runtime the workspace does not offer.",
  },
  DBX_SQL_CONFLICT: {
    kind: "provider",
    doc: "A SQL statement failed because the table already exists or changed concurrently.",
  },
  DBX_SQL_FAILED: { kind: "provider", doc: "A SQL statement on the warehouse failed." },
  DBX_SQL_IDENTIFIER_INVALID: {
    kind: "validation",
    doc: "A table or column identifier cannot be used in a SQL statement.",
  },
  DBX_SQL_TIMEOUT: { kind: "provider", doc: "A SQL statement did not finish within the wait limit." },
  DBX_SQL_TYPE_INVALID: { kind: "validation", doc: "A column type is not a Spark SQL type." },
  DBX_TABLE_DUPLICATE_COLUMN: { kind: "validation", doc: "A table lists the same column twice." },
  DBX_TABLE_NAME_INVALID: { kind: "validation", doc: "A table id is not catalog.schema.table." },
  DBX_TABLE_NOT_VISIBLE: {
    kind: "provider",
    doc: "A table was created but cannot be read back through Unity Catalog.",
  },
  DBX_TABLE_NO_COLUMNS: { kind: "validation", doc: "A managed table has no columns." },
  DBX_TABLE_PARTITION_INVALID: {
    kind: "validation",
    doc: "A partition column is not one of the table's columns.",
  },
  DBX_TABLE_TYPE_UNSUPPORTED: { kind: "validation", doc: "A table_type dpn cannot create." },
  DBX_TAG_INVALID: { kind: "validation", doc: "A tag key or value is not valid for Databricks." },
  DBX_THROTTLED: { kind: "provider", doc: "Databricks throttled the call (429) beyond the retries." },
  DBX_TIMEOUT: { kind: "provider", doc: "A Databricks call timed out." },
  DBX_UC_NAME_INVALID: {
    kind: "validation",
    doc: "A Unity Catalog name breaks the platform's character or length rules.",
  },
  DBX_UNAVAILABLE: {
    kind: "provider",
    doc: "Databricks answered 5xx or the connection failed beyond the retries.",
  },
  DBX_VOLUME_LOCATION_MISSING: { kind: "validation", doc: "An external volume has no storage_location." },
  DBX_VOLUME_TAGGING_FAILED: {
    kind: "provider",
    doc: "A volume was created but could be neither tagged nor removed.",
  },
  DBX_WAREHOUSE_MISSING: {
    kind: "validation",
    doc: "The plan creates Unity Catalog tables and no SQL warehouse is configured.",
  },
  DBX_WAREHOUSE_NOT_FOUND: { kind: "validation", doc: "The configured SQL warehouse does not exist." },
  DBX_WAREHOUSE_UNUSABLE: {
    kind: "validation",
    doc: "The configured SQL warehouse is in a state that cannot run statements.",
  },
  DELETE_HAS_DEPENDENTS: {
    kind: "validation",
    doc: "A resource cannot be deleted while other resources of the stack depend on it.",
  },
  DELETE_NOT_EMPTY: {
    kind: "provider",
    doc: "A data-bearing resource was not deleted because it is not empty (see --force).",
  },
  DEPENDENCY_CYCLE: { kind: "validation", doc: "The resources' references form a cycle." },
  EMPTY_VALUE: { kind: "validation", doc: "A naming component is empty after normalisation." },
  FAIL_UNDER_INVALID: { kind: "usage", doc: "--fail-under is not a percentage from 0 to 100." },
  FILE_DISK_FULL: {
    kind: "usage",
    doc: "An output file cannot be written: no space or quota left (ENOSPC, EDQUOT).",
  },
  FILE_EXISTS: { kind: "usage", doc: "The output file exists; pass --force to overwrite it." },
  FILE_NOT_READABLE: { kind: "usage", doc: "An input file cannot be read." },
  FILE_UNWRITABLE: {
    kind: "usage",
    doc: "An output file cannot be written: permission denied, read-only file system, or a file where a folder is needed.",
  },
  FILE_WRITE_FAILED: { kind: "usage", doc: "An output file cannot be written (another file-system error)." },
  FORCE_REQUIRED: { kind: "usage", doc: "The command needs --force." },
  GLUE_DATABASE_EXISTS_NOT_OURS: {
    kind: "provider",
    doc: "A Glue database with the planned name exists and is not the resource's.",
  },
  GLUE_DATABASE_NOT_EMPTY: {
    kind: "provider",
    doc: "A Glue database still holds tables and was not deleted (see --force).",
  },
  GLUE_DATABASE_NOT_FOUND: { kind: "provider", doc: "A Glue database does not exist." },
  GLUE_DATABASE_VANISHED: {
    kind: "provider",
    doc: "A Glue database disappeared while dpn was working on it.",
  },
  GLUE_REGION_IMMUTABLE: { kind: "validation", doc: "A Glue database cannot move to another region." },
  GLUE_TABLE_EXISTS_NOT_OURS: {
    kind: "provider",
    doc: "A Glue table with the planned name exists and is not the resource's.",
  },
  GLUE_TABLE_IMMUTABLE_LOCATION: {
    kind: "validation",
    doc: "A Glue table cannot move to another region or database.",
  },
  GLUE_TABLE_NOT_FOUND: { kind: "provider", doc: "A Glue table does not exist." },
  GLUE_TABLE_VANISHED: { kind: "provider", doc: "A Glue table disappeared while dpn was working on it." },
  GRAPH_DUPLICATE_ID: { kind: "validation", doc: "The same resource appears twice in the dependency graph." },
  INTERNAL: { kind: "internal", doc: "A bug in dpn; re-run with DPN_DEBUG=1 and report it." },
  INTERRUPTED: {
    kind: "interrupted",
    doc: "Ctrl-C: the run was rolled back (or left to dpn recover on a second Ctrl-C).",
  },
  INVALID_ENVIRONMENT: { kind: "usage", doc: "The environment is not dev, stg or prd." },
  INVALID_OPTION_VALUE: { kind: "usage", doc: "An option's value is not valid." },
  INVALID_PROJECT: { kind: "validation", doc: "A project name has characters other than a-z, 0-9 and '-'." },
  INVALID_SINCE: { kind: "usage", doc: "--since is neither a date nor a duration." },
  JOURNAL_INCOMPLETE: {
    kind: "internal",
    doc: "A journal entry lacks the image rollback needs (a bug; dpn recover reports it).",
  },
  LOCK_CHANGED: {
    kind: "state",
    doc: "The lock changed (another holder or a newer fencing token) since unlock --force showed it; nothing was removed.",
  },
  LOCK_LEASE_INVALID: { kind: "usage", doc: "--lock-lease / DPN_LOCK_LEASE is not 1 to 3600 seconds." },
  LOCK_LOST: {
    kind: "state",
    doc: "Another process took the stack's lock over after this run's lease expired.",
  },
  LOCK_NOT_FOUND: { kind: "state", doc: "No lock with the given holder id." },
  MIGRATION_OUTPUT_EXISTS: { kind: "usage", doc: "The migration plan folder already holds a plan." },
  MIGRATION_OUTPUT_UNWRITABLE: { kind: "usage", doc: "The migration plan files cannot be written." },
  MIGRATE_OWNED_ELSEWHERE: {
    kind: "validation",
    doc: "dpn migrate would rename an object another stack manages, or a container holding one; nothing was changed.",
  },
  MIGRATE_PLAN_INVALID: {
    kind: "validation",
    doc: "The file given to dpn migrate --plan is not a migration plan (not JSON, or it breaks the migration-plan schema); every problem is listed.",
  },
  MIGRATE_PLAN_STALE: {
    kind: "stale",
    doc: "A rename of the migration plan no longer fits the estate (the object is gone from its old name, or the new name is taken); nothing was changed.",
  },
  MIGRATE_PLAN_UNREADABLE: { kind: "usage", doc: "The file given to dpn migrate --plan cannot be read." },
  MIGRATE_STACK_REQUIRED: {
    kind: "usage",
    doc: "dpn migrate needs a stack to record its transaction in, and neither the options nor the plan's filters name one.",
  },
  MISSING_VARIABLE: {
    kind: "validation",
    doc: "A naming template needs a value the blueprint and convention do not give.",
  },
  NAME_INVALID: { kind: "validation", doc: "A generated name breaks a platform or house rule." },
  NAME_NONCOMPLIANT: { kind: "validation", doc: "An imported object's name breaks the convention." },
  NAME_TOO_LONG: { kind: "validation", doc: "A generated name is longer than the platform allows." },
  OPTION_REQUIRED: {
    kind: "usage",
    doc: "A command needs an option that was not given and the convention has no default for it.",
  },
  OPTIONS_CONFLICT: { kind: "usage", doc: "Two options that cannot be combined were given." },
  OVERRIDE_INVALID: { kind: "validation", doc: "An --override is not of the form key=value." },
  PLAN_CHECK_FAILED: {
    kind: "validation",
    doc: "Resources have settings the platform would refuse (checked before anything changes).",
  },
  PROVIDER_FAILED: { kind: "provider", doc: "A provider failed in a way it did not classify." },
  PROVIDER_UNKNOWN_TYPE: { kind: "usage", doc: "The target has no provider for a resource type." },
  RECOVER_NOT_FOUND: { kind: "state", doc: "The transaction is not an unfinished transaction of the stack." },
  RECOVER_PLAN_MISSING: { kind: "state", doc: "The unfinished transaction has no stored plan to resume." },
  RECOVER_RESOURCE_GONE: {
    kind: "state",
    doc: "A resource an unfinished transaction needs no longer exists.",
  },
  REGISTRY_TYPE_NOT_LOADED: {
    kind: "internal",
    doc: "The cloud registry was opened without a type it was asked for (a bug).",
  },
  REMOTE_ALREADY_EXISTS: { kind: "provider", doc: "The sandbox refused a create: the object exists." },
  REMOTE_CALL_ABORTED: { kind: "provider", doc: "A simulated call was aborted before it was sent." },
  REMOTE_INVALID_INPUT: {
    kind: "validation",
    doc: "The sandbox refused a request as invalid, as the platform would.",
  },
  REMOTE_INVALID_STATE: {
    kind: "provider",
    doc: "The sandbox refused a call in the object's current state, as the platform would.",
  },
  REMOTE_NOT_EMPTY: {
    kind: "provider",
    doc: "The sandbox refused to delete an object that still holds children or data.",
  },
  REMOTE_NOT_FOUND: { kind: "provider", doc: "A sandbox object does not exist." },
  REMOTE_PARENT_NOT_FOUND: {
    kind: "provider",
    doc: "The sandbox refused a create whose parent does not exist.",
  },
  REMOTE_RESOURCE_MISSING: { kind: "provider", doc: "A resource in state no longer exists on the platform." },
  REMOTE_THROTTLED: { kind: "provider", doc: "The sandbox throttled a call (DPN_SANDBOX_THROTTLE)." },
  REMOTE_UNAVAILABLE: {
    kind: "provider",
    doc: "The sandbox failed a call at random (DPN_SANDBOX_ERROR_RATE).",
  },
  RESOURCE_ALREADY_MANAGED: { kind: "validation", doc: "The object is already managed by the stack." },
  RESOURCE_AMBIGUOUS: { kind: "usage", doc: "An id names several resources of the stack." },
  RESOURCE_ARCHIVED: { kind: "validation", doc: "The resource is archived; restore it first." },
  RESOURCE_CONFLICT: {
    kind: "provider",
    doc: "An object with the planned name exists and is not owned by the stack.",
  },
  RESOURCE_NOT_FOUND: { kind: "validation", doc: "No resource with that id in the stack." },
  RESOURCE_NOT_MANAGED: { kind: "validation", doc: "The object exists but is not managed by the stack." },
  RESOURCE_OPERATION_INPUT: {
    kind: "usage",
    doc: "A resource operation was called without the input it needs.",
  },
  RESOURCE_TYPE_MISMATCH: { kind: "validation", doc: "The id names a resource of another type than --type." },
  ROLLBACK_INCOMPLETE: {
    kind: "rollback_incomplete",
    doc: "Rollback could not undo everything; the message lists what needs a person.",
  },
  S3_BUCKET_EXISTS_NOT_OURS: {
    kind: "provider",
    doc: "A bucket with the planned name exists in the account and is not the resource's.",
  },
  S3_BUCKET_NAME_TAKEN: {
    kind: "provider",
    doc: "The bucket name is taken by another AWS account (names are global).",
  },
  S3_BUCKET_NOT_ACCESSIBLE: {
    kind: "provider",
    doc: "The bucket exists but these credentials cannot access it (403).",
  },
  S3_BUCKET_NOT_EMPTY: {
    kind: "provider",
    doc: "A bucket still holds objects and was not deleted (see --force).",
  },
  S3_BUCKET_NOT_FOUND: { kind: "provider", doc: "A bucket does not exist." },
  S3_BUCKET_REGION_MISMATCH: {
    kind: "provider",
    doc: "The bucket exists in another region than the blueprint's.",
  },
  S3_BUCKET_VANISHED: { kind: "provider", doc: "A bucket disappeared while dpn was working on it." },
  S3_EMPTY_FAILED: { kind: "provider", doc: "Emptying a bucket before deletion failed for some objects." },
  S3_REGION_IMMUTABLE: { kind: "validation", doc: "A bucket cannot move to another region." },
  SANDBOX_BUSY: { kind: "provider", doc: "The sandbox database stayed locked; nothing was changed." },
  SANDBOX_CLOSED: { kind: "provider", doc: "The sandbox was used after it was closed." },
  SANDBOX_CONFIG_INVALID: { kind: "usage", doc: "A DPN_SANDBOX_* setting is not valid." },
  SANDBOX_DB_FOREIGN: {
    kind: "state",
    doc: "The sandbox path holds an SQLite database that is not a dpn sandbox.",
  },
  SANDBOX_DB_TOO_NEW: { kind: "state", doc: "The sandbox file was written by a newer dpn." },
  SANDBOX_DB_UNREADABLE: { kind: "state", doc: "The sandbox file cannot be read." },
  SANDBOX_INJECTED_AFTER_EFFECT: {
    kind: "provider",
    doc: "An injected failure after the effect (DPN_SANDBOX_FAIL_AFTER_EFFECT).",
  },
  SANDBOX_INJECTED_FAILURE: { kind: "provider", doc: "An injected failure (DPN_SANDBOX_FAIL_AFTER)." },
  SANDBOX_READONLY: {
    kind: "provider",
    doc: "The sandbox was opened read-only (a dry run) and a call would change it; nothing was applied.",
  },
  SANDBOX_SEED_CONFLICT: { kind: "usage", doc: "A seeded sandbox object already exists." },
  SANDBOX_SEED_DENIED: { kind: "usage", doc: "A seeded write targets an archived bucket." },
  SANDBOX_SEED_INVALID: { kind: "usage", doc: "A seeded bucket name is not valid." },
  SANDBOX_SEED_NO_BUCKET: { kind: "usage", doc: "A seeded object names a bucket that does not exist." },
  SANDBOX_STORAGE_ERROR: { kind: "provider", doc: "The sandbox database failed." },
  SCAN_DUPLICATE_OBJECT: { kind: "validation", doc: "The inventory lists an object twice." },
  RESOURCE_PROTECTED: {
    kind: "validation",
    doc: "The resource is protected by lifecycle.prevent_destroy; delete, --prune and destroy refuse it. Nothing was changed.",
  },
  CLEANUP_FAILED: {
    kind: "cleanup",
    doc: "--prune=delete: the run committed, but deleting a removed resource afterwards failed; dpn status lists what is left and the next run retries it.",
  },
  PLAN_NOT_FOUND: { kind: "usage", doc: "The saved plan file given to --plan cannot be read." },
  PLAN_INVALID: {
    kind: "validation",
    doc: "A saved plan file is not one dpn wrote, or was edited or truncated after it was written.",
  },
  PLAN_VERSION_MISMATCH: { kind: "validation", doc: "A saved plan was made by another dpn version." },
  PLAN_TARGET_MISMATCH: { kind: "usage", doc: "A saved plan was made for the other target." },
  PLAN_STACK_MISMATCH: { kind: "usage", doc: "A saved plan is for another stack than the one named." },
  PLAN_STALE: {
    kind: "stale",
    doc: "A live object or state row changed since the saved plan was made; nothing was changed.",
  },
  PLAN_ALREADY_APPLIED: { kind: "stale", doc: "The saved plan was applied already; a plan applies once." },
  REMOVAL_MISSING: {
    kind: "provider",
    doc: "--prune met a resource in state that no longer exists remotely; the run was rolled back.",
  },
  REMOVAL_HAS_DEPENDENTS: {
    kind: "validation",
    doc: "--prune would archive a resource that resources kept by the blueprint depend on; nothing was changed.",
  },
  SCAN_REGION_INVALID: { kind: "usage", doc: "A `dpn scan --region` value is not an AWS region name." },
  SCAN_TYPE_UNSUPPORTED: { kind: "usage", doc: "A target's provider cannot list a type for the scan." },
  SCAN_OBJECTS_MISMATCH: { kind: "validation", doc: "A report lists an object that was not scanned." },
  SCAN_RULE_UNKNOWN: { kind: "internal", doc: "A scan rule id is not registered (a bug)." },
  SETTINGS_INVALID: { kind: "usage", doc: ".dpn/settings.yaml is not valid." },
  STACK_AMBIGUOUS: {
    kind: "usage",
    doc: "The state holds several stacks and none was chosen; pass --blueprint or --project/--env.",
  },
  STACK_LOCKED: {
    kind: "state",
    doc: "Another run holds the stack's lock (the message names holder, host and since).",
  },
  STACK_NOT_FOUND: { kind: "usage", doc: "No stack for the given project and environment." },
  STACK_SELECTOR_INCOMPLETE: { kind: "usage", doc: "--project and --env must be given together." },
  STATE_ASYNC_IN_TRANSACTION: {
    kind: "internal",
    doc: "An asynchronous function was given to a synchronous state transaction (a bug).",
  },
  STATE_AUTH_FAILED: {
    kind: "state",
    doc: "The state database refused the login (wrong user or password, or no pg_hba.conf entry for this client).",
  },
  STATE_BACKEND_ERROR: {
    kind: "state",
    doc: "The state backend answered a request with an unexpected error.",
  },
  STATE_BUCKET_NOT_FOUND: { kind: "state", doc: "The S3 bucket named by the state URL does not exist." },
  STATE_CLOSED: { kind: "internal", doc: "The state store was used after close (a bug)." },
  STATE_COMMIT_UNKNOWN: {
    kind: "state",
    doc: "The connection to the state database broke while a write was committing: it may or may not be stored; `dpn recover` settles either case.",
  },
  STATE_CONFLICT: {
    kind: "state",
    doc: "A conditional write to the state kept losing to concurrent writers; nothing was written.",
  },
  STATE_CORRUPT: { kind: "state", doc: "A state column holds invalid JSON." },
  STATE_DISK_FULL: { kind: "state", doc: "The disk holding the state is full." },
  STATE_DUPLICATE: { kind: "state", doc: "A state write would duplicate a row." },
  STATE_ERROR: { kind: "state", doc: "The state database failed." },
  STATE_INVALID_LEASE: { kind: "internal", doc: "A lock lease is not a positive duration (a bug)." },
  STATE_INVALID_STACK_KEY: { kind: "validation", doc: "A stack project or environment is not valid." },
  STATE_IO_ERROR: { kind: "state", doc: "An I/O error on the state file." },
  STATE_JOURNAL_LOST: {
    kind: "internal",
    doc: "A journal entry vanished right after it was written (a bug).",
  },
  STATE_LOCKED_DB: { kind: "state", doc: "The state database stayed locked by another process." },
  STATE_CHECK_FAILED: {
    kind: "state",
    doc: "`dpn state check` found a permission or setting the backend lacks (each failed check names what to grant).",
  },
  STATE_MIGRATE_PARTIAL: {
    kind: "state",
    doc: "`dpn state migrate` failed while copying; the source is unchanged, the stacks already copied are named.",
  },
  STATE_MIGRATE_SAME: { kind: "usage", doc: "`dpn state migrate --to` names the state dpn already uses." },
  STATE_MIGRATE_VERIFY_FAILED: {
    kind: "state",
    doc: "The migrated copy read back different from the source; the source was left as the state.",
  },
  STATE_MIGRATED: {
    kind: "state",
    doc: "`dpn state migrate` moved this state to another backend; writes here are refused (the hint names it).",
  },
  STATE_PERMISSION_DENIED: {
    kind: "state",
    doc: "The state backend refused a request for lack of a permission (the hint names the grant: an IAM action, a SQL GRANT).",
  },
  STATE_READ_ONLY: { kind: "state", doc: "The state is open read-only and the command would change it." },
  STATE_REFERENCE_MISSING: {
    kind: "state",
    doc: "A state write refers to a stack or transaction that is missing.",
  },
  STATE_STACK_EXISTS: {
    kind: "state",
    doc: "`dpn state migrate`: the target backend already holds one of the stacks; nothing was copied.",
  },
  STATE_TOO_NEW: { kind: "state", doc: "The state was written by a newer dpn." },
  STATE_UNKNOWN_JOURNAL_ENTRY: { kind: "state", doc: "A journal entry id does not exist." },
  STATE_UNKNOWN_TRANSACTION: { kind: "state", doc: "A transaction id does not exist." },
  STATE_UNREACHABLE: {
    kind: "state",
    doc: "The state backend's endpoint did not answer after retries, or refused or dropped the connection (PostgreSQL: also a database that does not exist).",
  },
  STATE_UNWRITABLE: {
    kind: "state",
    doc: "The state file cannot be opened or written; choose another location with --state.",
  },
  STATE_URL_INVALID: { kind: "usage", doc: "A state URL cannot be used." },
  STEP_NOT_STARTED: {
    kind: "provider",
    doc: "A step was not started because the run was already rolling back.",
  },
  TAGS_INVALID: { kind: "validation", doc: "Tags cannot be made valid for a platform." },
  TARGET_MISMATCH: { kind: "usage", doc: "An unfinished transaction ran on another --target." },
  TEMPLATE_INVALID: { kind: "validation", doc: "A naming template is invalid." },
  TX_FAILED: { kind: "internal", doc: "A transaction ended without an error to report (a bug)." },
  TX_NOT_FOUND: { kind: "usage", doc: "No transaction with that id." },
  TX_UNFINISHED: { kind: "state", doc: "The stack has an unfinished transaction; run dpn recover." },
  TYPE_OPTION_INVALID: {
    kind: "usage",
    doc: "--type names a resource type dpn does not manage (the hint names the closest).",
  },
  TYPE_REQUIRED: { kind: "usage", doc: "The command needs --type." },
  UNKNOWN_OPTION: {
    kind: "usage",
    doc: "An option the command does not have (the hint names the closest one).",
  },
  UNKNOWN_REGION: { kind: "validation", doc: "An AWS region has no short code." },
  UNKNOWN_RESOURCE_TYPE: { kind: "validation", doc: "A resource type dpn does not manage." },
  UNKNOWN_SHELL: { kind: "usage", doc: "dpn completion has no script for that shell (bash, zsh, fish)." },
  UNREACHABLE: { kind: "internal", doc: "A value no branch handles (a bug)." },
  UPDATE_PARAMS_INVALID: { kind: "validation", doc: "An update parameter file is invalid." },
  UPDATE_RENAME_REFUSED: { kind: "validation", doc: "An update parameter file asks for a rename." },
} as const satisfies Record<string, CodeEntry>;

/** A registered code. */
export type RegisteredCode = keyof typeof ERROR_CODES;
/** Any code a DpnError may carry: a registered one, or an AWS service error passed through. */
export type ErrorCode = RegisteredCode | `AWS_${string}`;

/** The registered entry of a code, or undefined for a passed-through AWS service error. */
export function codeEntry(code: string): CodeEntry | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as RegisteredCode] : undefined;
}

/** The code table of docs/exit-codes.md, between its markers; sorted by exit, then code. */
export function renderCodeTable(): string {
  const lines = ["<!-- codes:begin -->", "| code | exit | kind | meaning |", "|---|---|---|---|"];
  const rows = Object.entries(ERROR_CODES).map(([code, e]) => ({ code, ...e, exit: exitOfKind(e.kind) }));
  rows.sort((a, b) => a.exit - b.exit || (a.code < b.code ? -1 : 1));
  for (const r of rows)
    lines.push(`| \`${r.code}\` | ${r.exit} | ${r.kind} | ${r.doc.replaceAll("|", "\\|")} |`);
  lines.push(
    "| `AWS_<NAME>` | 4, 3 or 5 | by category | An AWS service error dpn has no code of its own for, named after the service's error (`AWS_NO_SUCH_BUCKET`): auth failures exit 4, refused input 3, the rest 5. |",
    "<!-- codes:end -->",
  );
  return lines.join("\n");
}
