// The deadline queue lives in @sess/core/runtime; test/helpers.ts still imports it from here.
export { deadlineQueue } from '@sess/core/runtime';
