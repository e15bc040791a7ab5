// @sess/hono: being written.
export {};
