// @sess/engine-db/postgres: being written.
export {};
