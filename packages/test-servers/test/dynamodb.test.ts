import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { startDynamoDb } from '../src/index.js';
import { expectGone } from './helpers.js';

describe('startDynamoDb', () => {
  it('starts real DynamoDB Local that the AWS SDK can use, and stops it', async () => {
    const server = await startDynamoDb();
    try {
      expect(server.endpoint).toBe(`http://127.0.0.1:${server.port}`);
      expect(JSON.parse(JSON.stringify(server.info))).toEqual(server.info);
      const client = new DynamoDBClient({
        endpoint: server.endpoint,
        region: server.region,
        credentials: server.credentials,
      });
      try {
        expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
        const created = await client.send(
          new CreateTableCommand({
            TableName: 'sessions',
            AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        expect(created.TableDescription?.TableStatus).toBe('ACTIVE');
        expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(['sessions']);
        await client.send(
          new PutItemCommand({ TableName: 'sessions', Item: { k: { S: 'a' }, v: { S: 'b' } } }),
        );
        const got = await client.send(new GetItemCommand({ TableName: 'sessions', Key: { k: { S: 'a' } } }));
        expect(got.Item?.v).toEqual({ S: 'b' });
        // -sharedDb: other credentials and regions see the same tables
        const other = new DynamoDBClient({
          endpoint: server.endpoint,
          region: 'eu-west-1',
          credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        });
        expect((await other.send(new ListTablesCommand({}))).TableNames).toEqual(['sessions']);
        other.destroy();
      } finally {
        client.destroy();
      }
      const { pid, port } = server;
      await server.stop();
      await expectGone(pid, port);
    } finally {
      await server.stop();
    }
  });
});
