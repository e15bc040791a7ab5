// Shared by the DynamoDB test files: a client for the DynamoDB Local that global setup started.
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDbInfo } from '@sess/test-servers';

export function dynamoClient(
  info: Pick<DynamoDbInfo, 'endpoint' | 'region' | 'credentials'>,
): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: info.endpoint,
    region: info.region,
    credentials: info.credentials,
    // The tests stop servers on purpose: fail fast instead of the SDK's three retries.
    maxAttempts: 2,
  });
}

/** A fresh table name per suite, so files running in parallel never share a table. */
export const uniqueTable = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

export async function dropTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: table }));
}
