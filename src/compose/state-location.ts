/**
 * Where the state lives: `--state <url>`, else `DPN_STATE`, else `state:` in the project settings
 * file `.dpn/settings.yaml`, else `sqlite:.dpn/state.db` (`$DPN_HOME/state.db` when DPN_HOME is
 * set). URLs: `sqlite:<path>` (relative to the working directory), `s3://<bucket>/<prefix>`,
 * `postgres://…` / `postgresql://…`. Credentials in a URL are never shown: `display` is redacted.
 */
import { isAbsolute, join, resolve } from "node:path";
import { redactUrlPasswords, usageError } from "../core/errors.js";
import { projectSettings } from "./settings.js";

export type StateLocation =
  | { kind: "sqlite"; path: string; display: string; source: StateSource }
  | { kind: "s3"; bucket: string; prefix: string; display: string; source: StateSource }
  | { kind: "postgres"; url: string; display: string; source: StateSource };

export type StateSource = "flag" | "env" | "settings" | "default";

/** The URL with any password replaced by `***` (for messages, audit and output). */
export const redactUrl = redactUrlPasswords;

/** Parse a state URL. Throws STATE_URL_INVALID (usage, exit 2) naming the value and the forms. */
export function parseStateUrl(raw: string, cwd: string, source: StateSource): StateLocation {
  const url = raw.trim();
  const invalid = (why: string) =>
    usageError("STATE_URL_INVALID", `state URL '${redactUrl(url)}' is not usable: ${why}`, {
      hint: "use sqlite:<path>, s3://<bucket>/<prefix> or postgres://user@host/db (docs/state.md)",
      details: { url: redactUrl(url), source },
    });
  if (url.startsWith("sqlite:")) {
    const p = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (!p) throw invalid("no path after sqlite:");
    const path = isAbsolute(p) ? p : resolve(cwd, p);
    return { kind: "sqlite", path, display: `sqlite:${p}`, source };
  }
  if (url.startsWith("s3://")) {
    const rest = url.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? "" : rest.slice(slash + 1).replace(/\/+$/, "");
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      throw invalid(`'${bucket}' is not an S3 bucket name`);
    return { kind: "s3", bucket, prefix, display: url, source };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url, display: redactUrl(url), source };
  throw invalid("unknown scheme");
}

/** Resolve where state lives for a command (see the module comment). */
export function resolveStateLocation(e: {
  cwd: string;
  env: Record<string, string | undefined>;
  stateUrl?: string;
}): StateLocation {
  if (e.stateUrl) return parseStateUrl(e.stateUrl, e.cwd, "flag");
  if (e.env.DPN_STATE) return parseStateUrl(e.env.DPN_STATE, e.cwd, "env");
  const dir = e.env.DPN_HOME ? e.env.DPN_HOME : join(e.cwd, ".dpn");
  const fromSettings = projectSettings(e).state;
  if (fromSettings) return parseStateUrl(fromSettings, e.cwd, "settings");
  const path = join(dir, "state.db");
  return { kind: "sqlite", path, display: `sqlite:${path}`, source: "default" };
}
