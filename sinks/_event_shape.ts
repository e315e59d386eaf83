/**
 * A fast check of the common case of a POSTed event: a plain object with
 * exactly the keys of one event type, in the order of its schema, every value
 * valid. It is compiled from the valibot schemas themselves (`core/event.ts`),
 * so it cannot drift from them, and it is one-sided: what it accepts, valibot
 * accepts with an output of the same keys, order and values (so the object can
 * be kept as it is); anything else goes to valibot, which has the messages.
 * A schema construct it does not know makes {@link compileEventShape} throw,
 * rather than guess.
 *
 * It also sizes the event as the event store does (`approximateSize` in
 * `event_store.ts`: each string's length and two, 8 for any other value, the
 * keys and their punctuation), so that the store need not walk it again, and
 * six times that size bounds the event's bytes as UTF-8 JSON (a UTF-16 unit
 * takes at most 6 bytes, `\u001f` or a lone surrogate; a number at most 25
 * characters, against its 8 and its key's share), so that the echo server
 * can skip its own limits for events plainly within them.
 *
 * @module
 */
import type * as v from "valibot";

/**
 * Measures one value: its size as the event store counts it, or -1 if the
 * value fails its schema or holds a string longer than `maxString`.
 */
type Measure = (value: unknown, maxString: number) => number;

/** A field of an object schema: its key, whether it may be absent, and its measure. */
interface Field {
  key: string;
  optional: boolean;
  measure: Measure;
}

/** The fields of one variant option, in schema order. */
interface Shape {
  fields: Field[];
  /** The longest key: a limit on string length below it applies to keys too. */
  longestKey: number;
}

/** What a schema object looks like to the compiler. */
interface SchemaLike {
  kind: string;
  type: string;
  pipe?: SchemaLike[];
  requirement?: unknown;
  options?: unknown[];
  literal?: unknown;
  wrapped?: SchemaLike;
  default?: unknown;
  item?: SchemaLike;
  entries?: Record<string, SchemaLike>;
  key?: string;
}

/** The size of a value that is neither a string nor an array. */
const OTHER_SIZE = 8;

/** The size of a string: its length and its quotes. */
function stringSize(value: string, maxString: number): number {
  return value.length > maxString ? -1 : value.length + 2;
}

/** The size of a primitive that passed its schema. */
function primitiveSize(value: unknown, maxString: number): number {
  if (typeof value === "string") return stringSize(value, maxString);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return OTHER_SIZE;
  return -1;
}

/** One validation action of a pipe, as valibot runs it on a typed value. */
function action(a: SchemaLike): (value: never) => boolean {
  const r = a.requirement as never;
  switch (a.type) {
    case "integer":
      return (x: number) => Number.isInteger(x);
    case "min_value":
      return (x: number) => x >= r;
    case "max_value":
      return (x: number) => x <= r;
    case "gt_value":
      return (x: number) => x > r;
    case "min_length":
      return (x: string) => x.length >= r;
    case "max_length":
      return (x: string) => x.length <= r;
    case "iso_timestamp":
    case "regex":
      return (x: string) => (r as RegExp).test(x);
    default:
      throw new Error(`compileEventShape: unsupported action ${a.type}`);
  }
}

function compile(schema: SchemaLike): Measure {
  // A pipe carries the type of its first schema: look at the pipe first.
  if (schema.pipe) {
    const [head, ...rest] = schema.pipe;
    const inner = compile(head);
    const checks = rest.filter((a) => a.kind !== "metadata").map((a) => {
      if (a.kind !== "validation") {
        throw new Error(`compileEventShape: unsupported ${a.kind} ${a.type} in a pipe`);
      }
      return action(a) as (value: unknown) => boolean;
    });
    return (x, max) => {
      const size = inner(x, max);
      if (size < 0) return -1;
      for (const check of checks) if (!check(x)) return -1;
      return size;
    };
  }
  switch (schema.type) {
    case "string":
      return (x, max) => typeof x === "string" ? stringSize(x, max) : -1;
    case "number":
      return (x) => typeof x === "number" && !Number.isNaN(x) ? OTHER_SIZE : -1;
    case "picklist": {
      const options = schema.options!;
      return (x, max) => options.includes(x) ? primitiveSize(x, max) : -1;
    }
    case "literal": {
      const literal = schema.literal;
      return (x, max) => x === literal ? primitiveSize(x, max) : -1;
    }
    case "nullable": {
      if (schema.default !== undefined) throw new Error("compileEventShape: nullable default");
      const inner = compile(schema.wrapped!);
      return (x, max) => x === null ? OTHER_SIZE : inner(x, max);
    }
    case "array": {
      // Six times the size bounds the bytes of strings' items, not of numbers' (`1` is 4 of it).
      const texts = schema.item!.type === "string" ||
        (schema.item!.type === "picklist" &&
          schema.item!.options!.every((o) => typeof o === "string"));
      if (!texts) throw new Error(`compileEventShape: unsupported array of ${schema.item!.type}`);
      const item = compile(schema.item!);
      // The store counts an item as its text and three: a string's quotes and its comma.
      return (x, max) => {
        if (!Array.isArray(x)) return -1;
        let size = 0;
        for (let i = 0; i < x.length; i++) {
          if (item(x[i], max) < 0) return -1;
          size += String(x[i]).length + 3;
        }
        return size;
      };
    }
  }
  throw new Error(`compileEventShape: unsupported schema ${schema.type}`);
}

function shapeOf(option: SchemaLike): Shape {
  if (option.type !== "strict_object") {
    throw new Error(`compileEventShape: expected strict objects, got ${option.type}`);
  }
  const fields = Object.entries(option.entries!).map(([key, schema]): Field => {
    if (schema.type === "optional" || schema.type === "exact_optional") {
      // A default would be added to valibot's output: not an object kept as it is.
      if (schema.default !== undefined) throw new Error(`compileEventShape: default of ${key}`);
      return { key, optional: true, measure: compile(schema.wrapped!) };
    }
    return { key, optional: false, measure: compile(schema) };
  });
  return { fields, longestKey: Math.max(...fields.map((f) => f.key.length)) };
}

/**
 * The fast check of a `variant` schema of strict objects: returns a measure
 * that gives the value's size as the event store counts it (six times which
 * bounds its UTF-8 JSON bytes) when the value is an object with its option's
 * keys in schema order (optional ones may be absent), every value valid and
 * no string or key longer than `maxString`; and -1 for anything else, which
 * may still be valid.
 */
export function compileEventShape(
  schema: v.GenericSchema,
): (value: unknown, maxString: number) => number {
  const variant = schema as unknown as SchemaLike;
  if (variant.type !== "variant") {
    throw new Error(`compileEventShape: expected a variant, got ${variant.type}`);
  }
  const discriminator = variant.key!;
  const byType = new Map<unknown, Shape>();
  for (const option of variant.options as SchemaLike[]) {
    const tag = option.entries?.[discriminator];
    const values = tag?.type === "picklist"
      ? tag.options!
      : tag?.type === "literal"
      ? [tag.literal]
      : undefined;
    if (!values) throw new Error(`compileEventShape: unsupported ${discriminator} schema`);
    const shape = shapeOf(option);
    for (const value of values) byType.set(value, shape);
  }
  return (value, maxString) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return -1;
    const record = value as Record<string, unknown>;
    const shape = byType.get(record[discriminator]);
    if (shape === undefined || shape.longestKey > maxString) return -1;
    const keys = Object.keys(record);
    let i = 0;
    let size = 2;
    for (const field of shape.fields) {
      if (keys[i] !== field.key) {
        if (field.optional) continue;
        return -1;
      }
      const b = field.measure(record[field.key], maxString);
      if (b < 0) return -1;
      // `"key":` and the comma after the value.
      size += field.key.length + 4 + b;
      i++;
    }
    return i === keys.length ? size : -1;
  };
}
