/**
 * Django's serializer shape: turns session data into bytes and back. `loads` may throw on bad input;
 * the session codec catches that and yields an empty session. `dumps` throws `SerializationError`
 * (naming the key path) for values it cannot represent faithfully.
 */
export interface Serializer {
  dumps(value: unknown): Uint8Array;
  loads(data: Uint8Array): unknown;
  /**
   * Optional: `dumps` as latin-1 text, one character per byte (`latin1(dumps(value))`), for stores that
   * keep text. A serializer whose output is text anyway (JSON) saves the byte copy both ways.
   */
  dumpsText?(value: unknown): string;
  /** Optional: `loads` of the latin-1 text of the bytes. */
  loadsText?(text: string): unknown;
}
