// @sess/fastify: being written.
export {};
