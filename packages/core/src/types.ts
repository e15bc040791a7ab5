/** Session data: a dict with string keys, as Django's. */
export type SessionData = Record<string, unknown>;
