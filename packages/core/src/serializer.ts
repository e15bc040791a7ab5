/**
 * Django's serializer shape: turns session data into bytes and back. `loads` may throw on bad input;
 * the session codec catches that and yields an empty session. `dumps` throws `SerializationError`
 * (naming the key path) for values it cannot represent faithfully.
 */
export interface Serializer {
  dumps(value: unknown): Uint8Array;
  loads(data: Uint8Array): unknown;
}
