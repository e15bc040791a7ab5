import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisCluster } from '../src/index.js';
import { redisCommand } from '../src/resp.js';
import { expectGone } from './helpers.js';

describe('startRedisCluster', () => {
  it('starts a 3-master cluster (cluster_state:ok everywhere) that stores keys across the masters', async () => {
    const cluster = await startRedisCluster();
    try {
      expect(cluster.nodes).toHaveLength(3);
      expect(cluster.pids).toHaveLength(3);
      expect(new Set(cluster.nodes.map((n) => n.port)).size).toBe(3);
      expect(cluster.info).toEqual({
        nodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
      });
      for (const node of cluster.nodes) {
        expect(await redisCommand(node.port, ['CLUSTER', 'INFO'])).toMatch(/cluster_state:ok/);
      }

      const client = new Cluster(cluster.nodes);
      try {
        for (let i = 0; i < 20; i++) await client.set(`key:${i}`, `value:${i}`);
        for (let i = 0; i < 20; i++) expect(await client.get(`key:${i}`)).toBe(`value:${i}`);
        // the keys really live on different masters
        const sizes = await Promise.all(cluster.nodes.map((n) => redisCommand(n.port, ['DBSIZE'])));
        expect(sizes.reduce<number>((sum, n) => sum + Number(n), 0)).toBe(20);
        expect(sizes.filter((n) => Number(n) > 0).length).toBeGreaterThanOrEqual(2);
        await expect(client.mget('key:1', 'key:2')).rejects.toThrow(/CROSSSLOT/);
      } finally {
        client.disconnect();
      }

      const pids = cluster.pids;
      await cluster.stop();
      expect(cluster.pids).toEqual([]);
      for (const [i, node] of cluster.nodes.entries()) await expectGone(pids[i], node.port);
    } finally {
      await cluster.stop();
    }
  });
});
