// @sess/engine-db/mongodb: being written.
export {};
