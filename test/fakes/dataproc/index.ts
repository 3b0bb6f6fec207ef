import * as grpc from '@grpc/grpc-js';
import { FakeDataproc, type FakeDataprocOptions, type FakeDataprocState, type Injection } from './fake-dataproc';
import { batchControllerService, clusterControllerService, jobControllerService, operationsService } from './protos';

export type { FakeDataprocOptions, FakeDataprocState, FakeWorkload, Injection, RpcMethod } from './fake-dataproc';

export interface RunningFakeDataproc {
  /** Point the real client at it: `{ apiEndpoint: 'localhost', port, sslCreds: grpc.credentials.createInsecure() }`. */
  port: number;
  state: FakeDataprocState;
  inject(injection: Injection): void;
  /** Names of the clusters that exist right now. */
  clusterNames(): string[];
  /** Names of the batches that exist and have not ended (PENDING, RUNNING, CANCELLING): what still costs money. */
  activeBatches(): string[];
  close(): Promise<void>;
}

/** Starts the in-memory Dataproc on an ephemeral localhost port (plain-text gRPC). */
export async function startFakeDataproc(options: FakeDataprocOptions = {}): Promise<RunningFakeDataproc> {
  const fake = new FakeDataproc(options);
  const handlers = fake.handlers();
  const server = new grpc.Server();
  server.addService(clusterControllerService, handlers.clusters);
  server.addService(jobControllerService, handlers.jobs);
  server.addService(batchControllerService, handlers.batches);
  server.addService(operationsService, handlers.operations);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('localhost:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    port,
    state: fake.state,
    inject: (injection) => fake.inject(injection),
    clusterNames: () => fake.clusterNames(),
    activeBatches: () => fake.activeBatches(),
    close: async () => {
      fake.stop();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
