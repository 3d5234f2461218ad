/**
 * Shell completion scripts for bash, zsh and fish, generated from the commander command tree, so
 * every command, subcommand and option completes exactly as the CLI parses it (no hand-kept list).
 * Options that take a value complete their choices when they have some, else file names.
 */
import type { Command, Option } from "commander";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface CompletionOption {
  long?: string;
  short?: string;
  description: string;
  takesValue: boolean;
  choices?: readonly string[];
}

interface CompletionNode {
  /** Space-separated command path below `dpn` ("" for dpn itself, "config init"). */
  path: string;
  name: string;
  description: string;
  subcommands: CompletionNode[];
  options: CompletionOption[];
}

const HELP: CompletionOption = {
  long: "--help",
  short: "-h",
  description: "display help",
  takesValue: false,
};

/**
 * The completion entries of one commander option. An option with two long spellings
 * (`--environment, --env`: commander keeps the first in `short`) completes as two long options.
 */
function optionsOf(o: Option): CompletionOption[] {
  const common = {
    description: o.description,
    takesValue: o.required || o.optional,
    ...(o.argChoices ? { choices: o.argChoices } : {}),
  };
  if (o.short?.startsWith("--"))
    return [o.short, o.long].flatMap((long) => (long ? [{ long, ...common }] : []));
  return [
    {
      ...(o.long ? { long: o.long } : {}),
      ...(o.short ? { short: o.short } : {}),
      ...common,
    },
  ];
}

function nodeOf(cmd: Command, parent: string[]): CompletionNode {
  const pathParts = cmd.parent ? [...parent, cmd.name()] : [];
  return {
    path: pathParts.join(" "),
    name: cmd.name(),
    description: cmd.description(),
    subcommands: cmd.commands.map((c) => nodeOf(c, pathParts)),
    options: [...cmd.options.filter((o) => !o.hidden).flatMap(optionsOf), HELP],
  };
}

/** Every node of the tree, parents before children. */
function flatten(node: CompletionNode): CompletionNode[] {
  return [node, ...node.subcommands.flatMap(flatten)];
}

const flagsOf = (o: CompletionOption): string[] => [o.short, o.long].filter((f): f is string => Boolean(f));

/** A POSIX-shell single-quoted string (bash and zsh read `'…'\''…'` as one word). */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Options of a node plus the program's own, which commander accepts after any subcommand. */
function optionsAt(node: CompletionNode, root: CompletionNode): CompletionOption[] {
  if (node === root) return node.options;
  return [...node.options, ...root.options.filter((o) => o !== HELP && o.long !== "--version")];
}

function bash(root: CompletionNode, program: string): string {
  const nodes = flatten(root);
  const fn = `_${program}_completion`;
  const paths = nodes.filter((n) => n.path).map((n) => `"${n.path}"`);
  const cases = nodes.map((n) => {
    const opts = optionsAt(n, root);
    const words = [...n.subcommands.map((s) => s.name), ...opts.flatMap(flagsOf)].join(" ");
    const valued = opts.filter((o) => o.takesValue);
    const choiceCases = valued
      .filter((o) => o.choices)
      .map((o) => `        ${flagsOf(o).join("|")}) choices="${o.choices?.join(" ")}" ;;`);
    return [
      `    "${n.path}")`,
      `      words="${words}"`,
      `      valued=" ${valued.flatMap(flagsOf).join(" ")} "`,
      ...(choiceCases.length ? ['      case "$prev" in', ...choiceCases, "      esac"] : []),
      "      ;;",
    ].join("\n");
  });
  return `# ${program} completion for bash. Load it with:  source <(${program} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmdpath="" next word i words="" valued="" choices=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    next="\${cmdpath:+$cmdpath }$word"
    case "$next" in
      ${paths.join("|")}) cmdpath="$next" ;;
    esac
  done
  case "$cmdpath" in
${cases.join("\n")}
  esac
  if [[ -n "$choices" ]]; then
    COMPREPLY=($(compgen -W "$choices" -- "$cur"))
  elif [[ "$valued" == *" $prev "* ]]; then
    COMPREPLY=()
  else
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
}
complete -o default -F ${fn} ${program}
`;
}

function zsh(root: CompletionNode, program: string): string {
  const nodes = flatten(root);
  const fn = `_${program}`;
  const paths = nodes.filter((n) => n.path).map((n) => `"${n.path}"`);
  const described = (name: string, description: string) =>
    quote(`${name.replaceAll(":", "\\:")}:${description}`);
  const cases = nodes.map((n) => {
    const opts = optionsAt(n, root);
    const cmds = n.subcommands.map((s) => described(s.name, s.description));
    const flags = opts.flatMap((o) => flagsOf(o).map((f) => described(f, o.description)));
    const valued = opts.filter((o) => o.takesValue);
    const choiceCases = valued
      .filter((o) => o.choices)
      .map((o) => `        (${flagsOf(o).join("|")}) choices=(${o.choices?.join(" ")}) ;;`);
    return [
      `    (${n.path ? `"${n.path}"` : '""'})`,
      `      cmds=(${cmds.join(" ")})`,
      `      flags=(${flags.join(" ")})`,
      `      valued=(${valued.flatMap(flagsOf).join(" ")})`,
      ...(choiceCases.length ? ['      case "$prev" in', ...choiceCases, "      esac"] : []),
      "      ;;",
    ].join("\n");
  });
  return `#compdef ${program}
# ${program} completion for zsh. Load it with:  source <(${program} completion zsh)
# or save it as ${fn} in a folder on $fpath.
${fn}() {
  local cmdpath="" next word i prev="\${words[CURRENT-1]}"
  local -a cmds flags valued choices
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    next="\${cmdpath:+$cmdpath }$word"
    case "$next" in
      (${paths.join("|")}) cmdpath="$next" ;;
    esac
  done
  case "$cmdpath" in
${cases.join("\n")}
  esac
  if (( \${#choices} )); then
    compadd -a choices
  elif (( \${valued[(Ie)$prev]} )); then
    _files
  elif [[ "$PREFIX" == -* || \${#cmds} -eq 0 ]]; then
    _describe -t options 'option' flags
  else
    _describe -t commands 'command' cmds
  fi
}
if [[ "\${funcstack[1]}" == "${fn}" ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${program}
fi
`;
}

/** A fish single-quoted string (fish reads \\ and \' as escapes inside single quotes). */
function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

function fish(root: CompletionNode, program: string): string {
  const nodes = flatten(root);
  const at = `__${program}_at`;
  const optionLine = (o: CompletionOption, cond: string) => {
    const flags = [o.short ? ` -s ${o.short.slice(1)}` : "", o.long ? ` -l ${o.long.slice(2)}` : ""].join("");
    const value = o.choices ? ` -x -a ${fishQuote(o.choices.join(" "))}` : o.takesValue ? " -r -F" : "";
    return `complete -c ${program} -n ${cond}${flags}${value} -d ${fishQuote(o.description)}`;
  };
  const lines: string[] = [];
  for (const n of nodes) {
    // command paths are words of [a-z-] joined by spaces: safe inside '…' inside "…"
    const cond = `"${at} '${n.path}'"`;
    for (const s of n.subcommands)
      lines.push(`complete -c ${program} -n ${cond} -a ${s.name} -d ${fishQuote(s.description)}`);
    for (const o of n.options) lines.push(optionLine(o, cond));
  }
  for (const o of root.options.filter((o) => o !== HELP && o.long !== "--version"))
    lines.push(optionLine(o, `"not ${at} ''"`));
  const paths = nodes.filter((n) => n.path).map((n) => `'${n.path}'`);
  return `# ${program} completion for fish. Load it with:  ${program} completion fish | source
# or save it as ~/.config/fish/completions/${program}.fish
function ${at} --description 'is the command line at this ${program} command path?'
    set -l cmdpath ""
    for word in (commandline -opc)[2..-1]
        set -l next (string trim -- "$cmdpath $word")
        if contains -- "$next" ${paths.join(" ")}
            set cmdpath "$next"
        end
    end
    test "$cmdpath" = "$argv[1]"
end
complete -c ${program} -f
${lines.join("\n")}
`;
}

/**
 * The completion script for `shell`, generated from `program`'s command tree. Never throws;
 * the caller checks the shell name (see SHELLS).
 */
export function completionScript(program: Command, shell: Shell): string {
  const root = nodeOf(program, []);
  const name = program.name();
  if (shell === "bash") return bash(root, name);
  if (shell === "zsh") return zsh(root, name);
  return fish(root, name);
}
