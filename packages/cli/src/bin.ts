// @sess/cli/bin: being written.
export {};
