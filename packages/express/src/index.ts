// @sess/express: being written.
export {};
