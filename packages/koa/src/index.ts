// @sess/koa: being written.
export {};
