/**
 * A tiny typed JSON Schema builder: each builder returns the JSON Schema (draft 2020-12) and
 * carries the TypeScript type of the values it accepts, so the published schema and the
 * blueprint types come from one definition and cannot drift apart.
 */

export type JsonSchema = Record<string, unknown>;

/** A schema that accepts values of type T. `optional` marks an object member as not required. */
export interface Sch<T> {
  readonly schema: JsonSchema;
  /** Phantom: never set at runtime, only carries T. */
  readonly __type?: T;
  readonly optional?: boolean;
}

export type Infer<S> = S extends Sch<infer T> ? T : never;

type Props = Record<string, Sch<unknown>>;
type OptionalKeys<P extends Props> = { [K in keyof P]: P[K] extends { optional: true } ? K : never }[keyof P];
type RequiredKeys<P extends Props> = Exclude<keyof P, OptionalKeys<P>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<P extends Props> = Simplify<
  { [K in RequiredKeys<P>]: Infer<P[K]> } & { [K in OptionalKeys<P>]?: Infer<P[K]> }
>;

interface Annotations {
  description?: string;
  examples?: unknown[];
  default?: unknown;
}

function annotate(schema: JsonSchema, a: Annotations | undefined): JsonSchema {
  if (!a) return schema;
  const out = { ...schema };
  if (a.description !== undefined) out.description = a.description;
  if (a.default !== undefined) out.default = a.default;
  if (a.examples !== undefined) out.examples = a.examples;
  return out;
}

export function str(
  opts?: Annotations & { pattern?: string; minLength?: number; maxLength?: number },
): Sch<string> {
  const s: JsonSchema = { type: "string" };
  if (opts?.minLength !== undefined) s.minLength = opts.minLength;
  if (opts?.maxLength !== undefined) s.maxLength = opts.maxLength;
  if (opts?.pattern !== undefined) s.pattern = opts.pattern;
  return { schema: annotate(s, opts) };
}

export function oneOfStrings<const E extends readonly string[]>(
  values: E,
  opts?: Annotations,
): Sch<E[number]> {
  return { schema: annotate({ type: "string", enum: [...values] }, opts) };
}

export function int(opts?: Annotations & { minimum?: number; maximum?: number }): Sch<number> {
  const s: JsonSchema = { type: "integer" };
  if (opts?.minimum !== undefined) s.minimum = opts.minimum;
  if (opts?.maximum !== undefined) s.maximum = opts.maximum;
  return { schema: annotate(s, opts) };
}

export function bool(opts?: Annotations): Sch<boolean> {
  return { schema: annotate({ type: "boolean" }, opts) };
}

export function arr<T>(item: Sch<T>, opts?: Annotations & { minItems?: number }): Sch<T[]> {
  const s: JsonSchema = { type: "array", items: item.schema };
  if (opts?.minItems !== undefined) s.minItems = opts.minItems;
  return { schema: annotate(s, opts) };
}

/** A map with free keys and values of one schema (e.g. tags). */
export function record<V>(value: Sch<V>, opts?: Annotations): Sch<Record<string, V>> {
  return { schema: annotate({ type: "object", additionalProperties: value.schema }, opts) };
}

/** An object with known members; other keys are refused unless `rest` says what they hold. */
export function obj<P extends Props>(props: P, opts?: Annotations & { rest?: false }): Sch<ObjectOf<P>>;
export function obj<P extends Props, R>(
  props: P,
  opts: Annotations & { rest: Sch<R> | true },
): Sch<ObjectOf<P> & { [k: string]: unknown }>;
export function obj<P extends Props>(
  props: P,
  opts?: Annotations & { rest?: Sch<unknown> | true | false },
): Sch<unknown> {
  const properties: JsonSchema = {};
  const required: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    properties[k] = v.schema;
    if (!v.optional) required.push(k);
  }
  const s: JsonSchema = { type: "object", properties };
  if (required.length) s.required = required;
  const rest = opts?.rest;
  s.additionalProperties = rest === undefined || rest === false ? false : rest === true ? true : rest.schema;
  return { schema: annotate(s, opts) };
}

/** Marks an object member as optional. */
export function opt<T>(s: Sch<T>): Sch<T> & { optional: true } {
  return { schema: s.schema, optional: true };
}

/**
 * A value that is either a string (checked by `ifString`) or something else (checked by
 * `otherwise`). Written as if/then/else rather than oneOf so that a mistake produces one precise
 * error from the branch that applies instead of one error per alternative.
 */
export function stringOr<A, B>(ifString: Sch<A>, otherwise: Sch<B>, opts?: Annotations): Sch<A | B> {
  // biome-ignore lint/suspicious/noThenProperty: "then" is the JSON Schema keyword, not a thenable.
  const schema: JsonSchema = { if: { type: "string" }, then: ifString.schema, else: otherwise.schema };
  return { schema: annotate(schema, opts) };
}

/** A named schema, published under `$defs` and referred to with `$ref` (see `ref`). */
export interface Definition<T = unknown> {
  readonly name: string;
  readonly schema: Sch<T>;
}

export function definition<T>(name: string, s: Sch<T>): Definition<T> {
  return { name, schema: s };
}

/** A `$ref` to a definition; the document publishing it must list it under `$defs`. */
export function ref<T>(d: Definition<T>): Sch<T> {
  return { schema: { $ref: `#/$defs/${d.name}` } };
}
