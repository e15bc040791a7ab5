// @sess/engine-db/sqlite: being written.
export {};
