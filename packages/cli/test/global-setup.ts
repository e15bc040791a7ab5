import { defineServersSetup } from '@sess/test-servers';

export default defineServersSetup(['postgres']);
