/**
 * Deep link to one workflow execution in the Web UI (its history page when the run is known). Pure, so workflows
 * (links in results and notifications), the CLI, the API and the worker build the same links.
 */
export function workflowUiUrl(ui: { url: string; namespace: string }, workflowId: string, runId?: string): string {
  const base = `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}
