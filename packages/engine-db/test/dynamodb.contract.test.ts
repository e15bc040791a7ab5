import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runEngineContract } from '@sess/contract';
import { dbEngine } from '@sess/engine-db';
import { dynamodb } from '@sess/engine-db/dynamodb';
import { inject } from 'vitest';
import { dropTable, dynamoClient, uniqueTable } from './dynamodb-helpers.js';

const table = uniqueTable('contract');
let client: DynamoDBClient;

runEngineContract({
  name: 'db (DynamoDB Local)',
  makeEngine: async () => {
    client = dynamoClient(inject('dynamodb'));
    const engine = dbEngine({ database: dynamodb(client, { table }) });
    await engine.createTable();
    return engine;
  },
  closeEngine: async (engine) => {
    await engine.close?.();
    await dropTable(client, table);
    client.destroy();
  },
});
