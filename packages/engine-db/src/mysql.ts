// @sess/engine-db/mysql: being written.
export {};
