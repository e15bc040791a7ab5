// @sess/engine-db: being written.
export {};
