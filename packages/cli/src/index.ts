// @sess/cli: being written.
export {};
