import * as functions from '@google-cloud/functions-framework';
import { createAlertHandler, type AlertHandlerDeps } from './alert-handler';
import { createDataValidation, type DataValidationDeps } from './data-validation';
import { createEventProcessor, type EventProcessorDeps } from './event-processor';

/** The deployed entry points; Terraform names them (`entry_point`), keep them. */
export const ENTRY_POINTS = {
  eventProcessor: 'eventProcessor',
  dataValidation: 'dataValidation',
  alertHandler: 'alertHandler',
} as const;

/** How each function gets its dependencies: built on its first invocation, then reused by the instance. */
export interface FunctionDepsFactories {
  eventProcessor: () => EventProcessorDeps;
  dataValidation: () => DataValidationDeps;
  alertHandler: () => AlertHandlerDeps;
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/**
 * Registers the three functions with the Functions Framework. Each builds its clients lazily, so an instance of one
 * function never opens another's connections (the event processor needs no Redis), and a bad configuration fails
 * the invocation with the ConfigError's message in the log instead of crashing the instance at import.
 */
export function registerFunctions(factories: FunctionDepsFactories): void {
  const processor = once(() => createEventProcessor(factories.eventProcessor()));
  const validation = once(() => createDataValidation(factories.dataValidation()));
  const alerts = once(() => createAlertHandler(factories.alertHandler()));

  functions.http(ENTRY_POINTS.eventProcessor, async (req, res) => {
    try {
      await processor()(req, res);
    } catch (error) {
      // Never leak internals on a 5xx; the log has them.
      console.error(error);
      if (!res.headersSent) res.status(500).json({ error: 'internal error; nothing was accepted, resend' });
    }
  });
  functions.cloudEvent(ENTRY_POINTS.dataValidation, async (event: functions.CloudEvent<unknown>) => {
    await validation()(event);
  });
  functions.cloudEvent(ENTRY_POINTS.alertHandler, async (event: functions.CloudEvent<unknown>) => {
    await alerts()(event);
  });
}
