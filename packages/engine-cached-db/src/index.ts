// @sess/engine-cached-db: being written.
export {};
