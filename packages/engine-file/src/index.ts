// @sess/engine-file: being written.
export {};
