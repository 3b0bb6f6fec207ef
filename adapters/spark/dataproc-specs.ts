import type { protos } from '@google-cloud/dataproc';
import type { SparkJob } from '../ports';
import { runHash, type DataprocRunnerOptions } from './dataproc-options';

type ICluster = protos.google.cloud.dataproc.v1.ICluster;
type IJob = protos.google.cloud.dataproc.v1.IJob;

/**
 * The Dataproc requests the runner sends, as pure functions of its options: one ephemeral cluster per run (labelled
 * with the run's hash, idle-deleted) and one PySpark job per generation.
 */
export function clusterSpecFor(o: DataprocRunnerOptions, clusterName: string, runId: string): ICluster {
  return {
    projectId: o.projectId,
    clusterName,
    labels: { ...o.labels, 'managed-by': 'hire10x-analytics', 'hire10x-run': runHash(runId) },
    config: {
      ...(o.stagingBucket ? { configBucket: o.stagingBucket } : {}),
      gceClusterConfig: {
        ...(o.serviceAccount ? { serviceAccount: o.serviceAccount } : {}),
        ...(o.subnetworkUri ? { subnetworkUri: o.subnetworkUri } : {}),
      },
      masterConfig: {
        numInstances: 1,
        machineTypeUri: o.master.machineType,
        diskConfig: { bootDiskSizeGb: o.master.bootDiskSizeGb },
      },
      workerConfig: {
        numInstances: o.workers.count,
        machineTypeUri: o.workers.machineType,
        diskConfig: { bootDiskSizeGb: o.workers.bootDiskSizeGb },
      },
      ...(o.secondaryWorkers
        ? {
            secondaryWorkerConfig: {
              numInstances: o.secondaryWorkers.count,
              preemptibility: o.secondaryWorkers.preemptibility,
            },
          }
        : {}),
      softwareConfig: {
        imageVersion: o.imageVersion,
        // Cluster-wide Spark defaults are cluster properties with the `spark:` prefix.
        properties: {
          ...Object.fromEntries(Object.entries(o.sparkProperties).map(([k, v]) => [`spark:${k}`, v])),
          ...(o.workers.count === 0 ? { 'dataproc:dataproc.allow.zero.workers': 'true' } : {}),
        },
      },
      ...(o.autoscalingPolicyUri ? { autoscalingConfig: { policyUri: o.autoscalingPolicyUri } } : {}),
      lifecycleConfig: { idleDeleteTtl: { seconds: o.idleDeleteTtlSeconds } },
    },
  };
}

/** The PySpark job request: the job's main file and the `jobs` package zip from the staged jobs prefix. */
export function pysparkJobFor(o: DataprocRunnerOptions, job: SparkJob, clusterName: string, jobId: string): IJob {
  return {
    reference: { projectId: o.projectId, jobId },
    placement: { clusterName },
    labels: { 'managed-by': 'hire10x-analytics', 'hire10x-run': runHash(job.runId), 'hire10x-job': job.name },
    pysparkJob: {
      mainPythonFileUri: `${o.jobsUri}/${job.mainPythonFile}`,
      args: job.args,
      pythonFileUris: [o.libZipUri ?? `${o.jobsUri}/jobs.zip`, ...(job.pyFiles ?? []).map((f) => `${o.jobsUri}/${f}`)],
      properties: job.properties ?? {},
    },
  };
}
