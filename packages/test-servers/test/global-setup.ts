import { defineServersSetup } from '../src/index.js';

// This package's own suite proves the globalSetup path too: one redis for the whole run, `inject('redis')`.
export default defineServersSetup(['redis']);
