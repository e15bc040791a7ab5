// Real servers for this package's tests (shared by the SQL and the document-store adapters' tests).
import { defineServersSetup } from '@sess/test-servers';

export default defineServersSetup(['postgres', 'mariadb', 'dynamodb']);
