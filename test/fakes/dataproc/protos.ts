import { createRequire } from 'node:module';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The fake speaks exactly the wire format of the client it serves: the .proto files come from the installed
 * @google-cloud/dataproc (and google/longrunning, google/api, google/protobuf from its google-gax), never a copy.
 */
const requireHere = createRequire(__filename);
const dataprocDir = path.dirname(requireHere.resolve('@google-cloud/dataproc/package.json'));
// google-gax exports no package.json; its main is build/src/index.js, protos sit in build/protos.
const gaxMain = createRequire(path.join(dataprocDir, 'package.json')).resolve('google-gax');
const gaxProtos = path.resolve(path.dirname(gaxMain), '..', 'protos');

export const PROTO_DIRS = [path.join(dataprocDir, 'build', 'protos'), gaxProtos];

const definition = protoLoader.loadSync(
  [
    'google/cloud/dataproc/v1/clusters.proto',
    'google/cloud/dataproc/v1/jobs.proto',
    'google/cloud/dataproc/v1/batches.proto',
    'google/longrunning/operations.proto',
  ],
  { includeDirs: PROTO_DIRS, keepCase: false, longs: String, enums: String, defaults: false, oneofs: true },
);

function service(name: string): grpc.ServiceDefinition {
  const found = definition[name];
  if (!found || !('GetCluster' in found || 'GetJob' in found || 'GetBatch' in found || 'GetOperation' in found)) {
    throw new Error(`service ${name} missing from the Dataproc protos`);
  }
  return found;
}

export const clusterControllerService = service('google.cloud.dataproc.v1.ClusterController');
export const jobControllerService = service('google.cloud.dataproc.v1.JobController');
export const batchControllerService = service('google.cloud.dataproc.v1.BatchController');
export const operationsService = service('google.longrunning.Operations');

/** Encodes a Cluster for an Operation's `response` Any, with the same serializer GetCluster answers with. */
export function encodeCluster(cluster: unknown): Buffer {
  const getCluster = clusterControllerService.GetCluster;
  if (!getCluster) throw new Error('ClusterController.GetCluster missing');
  return getCluster.responseSerialize(cluster);
}

/** Encodes a Batch for a batch Operation's `response` Any, with the serializer GetBatch answers with. */
export function encodeBatch(batch: unknown): Buffer {
  const getBatch = batchControllerService.GetBatch;
  if (!getBatch) throw new Error('BatchController.GetBatch missing');
  return getBatch.responseSerialize(batch);
}
