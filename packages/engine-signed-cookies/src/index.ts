// @sess/engine-signed-cookies: being written.
export {};
