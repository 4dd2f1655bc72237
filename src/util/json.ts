/** A JSON object as read from Graph or a file, before it is narrowed: one definition for the whole tool. */
export type Json = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value when it is a JSON object, else an empty one: for reading optional nested objects. */
export const asJsonObject = (value: unknown): Json => (isJsonObject(value) ? value : {});

/** An array's items as strings (each converted), else none. */
export const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** An array's string items (others left out), else none. */
export const stringItems = (value: unknown): string[] => (Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : []);
