// @sess/serializer-json: being written.
export {};
