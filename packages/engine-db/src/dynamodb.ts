// @sess/engine-db/dynamodb: being written.
export {};
