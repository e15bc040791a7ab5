import type { Clock, Logger, Serializer } from '@sess/core';
import { createCodec, jsonSerializer, systemClock } from '@sess/core';

/** A session codec whose logger records its warnings. */
export function recordingCodec(options: { secretKey?: string; serializer?: Serializer; clock?: Clock } = {}) {
  const warnings: string[] = [];
  const logger: Logger = {
    warn: (message) => warnings.push(message),
    error() {},
    info() {},
    debug() {},
  };
  const codec = createCodec({
    secretKey: options.secretKey ?? 'codec-test-secret-key-0123456789abcdef',
    secretKeyFallbacks: [],
    serializer: options.serializer ?? jsonSerializer,
    clock: options.clock ?? systemClock,
    logger,
  });
  return { codec, warnings };
}
