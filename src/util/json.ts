/** A JSON object as read from Graph or a file, before it is narrowed: one definition for the whole tool. */
export type Json = Record<string, unknown>;
