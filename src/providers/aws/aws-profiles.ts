/**
 * The AWS profiles the shared files define, read the way the AWS SDK and CLI locate them:
 * `AWS_CONFIG_FILE` (default ~/.aws/config; sections `[default]` and `[profile NAME]`) and
 * `AWS_SHARED_CREDENTIALS_FILE` (default ~/.aws/credentials; sections `[NAME]`). A leading `~/`
 * is the home folder (HOME, else the OS's). Used to tell "this profile does not exist" apart from
 * "its credentials do not work".
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface AwsProfiles {
  /** Profile names, sorted, each once. */
  names: string[];
  /** The two files looked at (whether or not they exist). */
  files: { config: string; credentials: string };
}

function expandHome(path: string, home: string): string {
  return path.startsWith("~/") ? join(home, path.slice(2)) : path;
}

/** Section names of an ini text (`[name]`, trimmed), in order. */
function sections(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(line);
    if (m?.[1]) out.push(m[1].trim());
  }
  return out;
}

/** The file's text, or "" when it cannot be read (a missing file defines no profile). */
function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES" || code === "EISDIR") return "";
    throw e;
  }
}

/** The profiles of the shared config and credentials files for `env`. Throws only on unexpected I/O errors. */
export function awsProfiles(env: Record<string, string | undefined>): AwsProfiles {
  const home = env.HOME || homedir();
  const config = expandHome(env.AWS_CONFIG_FILE || join(home, ".aws", "config"), home);
  const credentials = expandHome(env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"), home);
  const names = new Set<string>();
  for (const s of sections(readOrEmpty(config))) {
    if (s === "default") names.add(s);
    else if (s.startsWith("profile ")) names.add(s.slice("profile ".length).trim());
    // other sections (sso-session, services) are not profiles
  }
  for (const s of sections(readOrEmpty(credentials))) names.add(s);
  return { names: [...names].sort(), files: { config, credentials } };
}

/**
 * The keys of a shared config file, by section (`default`, `profile NAME`, `services NAME`), with
 * the indented sub-keys of a key with an empty value flattened as `key.subkey` — the layout of
 * `[services X]` (`s3 =` then `  endpoint_url = …`), as the SDK's shared-ini loader reads it.
 */
function iniSections(text: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  let parent: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(line)) continue;
    const sec = /^\s*\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(line);
    if (sec?.[1]) {
      current = {};
      out.set(sec[1].trim().replace(/\s+/g, " "), current);
      parent = undefined;
      continue;
    }
    const kv = /^(\s*)([^=\s]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!kv || !current) continue;
    const [, indent = "", key = "", value = ""] = kv;
    if (indent && parent) current[`${parent}.${key.toLowerCase()}`] = value;
    else {
      current[key.toLowerCase()] = value;
      parent = value === "" ? key.toLowerCase() : undefined;
    }
  }
  return out;
}

/**
 * The `endpoint_url` the shared config file gives `service` for `profile` (default `default`):
 * the profile's `services` section entry first, then the profile's own `endpoint_url`; none when
 * the profile sets `ignore_configured_endpoint_urls = true`. This is the config-file half of the
 * SDK's configured-endpoint lookup (@smithy/core endpoints `getEndpointUrlConfig`), which the SDK
 * itself runs only for AWS_PROFILE, never for a client's `profile` option.
 */
export function profileEndpointUrl(
  env: Record<string, string | undefined>,
  profile: string | undefined,
  service: string,
): string | undefined {
  const { files } = awsProfiles({ ...env });
  const sections = iniSections(readOrEmpty(files.config));
  const name = profile ?? "default";
  const section =
    sections.get(name === "default" ? "default" : `profile ${name}`) ?? sections.get(`profile ${name}`);
  if (!section) return undefined;
  if ((section.ignore_configured_endpoint_urls ?? "").toLowerCase() === "true") return undefined;
  if (section.services) {
    const svc = sections.get(`services ${section.services}`);
    const url = svc?.[`${service.toLowerCase()}.endpoint_url`];
    if (url) return url;
  }
  return section.endpoint_url || undefined;
}
