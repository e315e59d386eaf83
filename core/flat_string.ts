/**
 * Strings that `JSON.stringify` serializes on its fast path. V8 writes an
 * object out quickly only while every string in it is a plain one of its
 * own; an object holding a string built with `+` or a template literal (13
 * characters or more: a tree of its parts until something reads it whole), a
 * reference left behind when a string was used as a property name, or a
 * frozen array is serialized on a slower path, about twice the cost of the
 * whole event (measured on Deno 2.9.6, V8 14). Events are serialized once per
 * sink, so the engine makes its strings this way.
 *
 * @module
 */

/** The parts joined into one plain string (`+` would make a tree of them). */
export function flatJoin(...parts: (string | number)[]): string {
  return parts.join("");
}

/** A plain copy of `s`, once per string that many events share (a charger's ID, say). */
export function flatCopy(s: string): string {
  return JSON.parse(JSON.stringify(s));
}

/** The internalized strings of {@link internal}, by text. */
const internalized = new Map<string, string>();

/**
 * `s` as V8's one internalized copy, for the few distinct values many
 * chargers share (networks, cities, time zones): a string once used as a
 * property name is left as a reference to that copy, which is slow to
 * serialize, while the copy itself stays fast.
 */
export function internal<T extends string>(s: T): T {
  let copy = internalized.get(s);
  if (copy === undefined) {
    copy = Object.keys({ [s]: 0 })[0];
    internalized.set(s, copy);
  }
  return copy as T;
}
