'use strict';
// The failure converter of every Temporal client, worker and workflow bundle of the project (see
// security/data-converter.ts). Plain CommonJS on purpose: the SDK loads it by path, with `require()` in the worker
// and the client (also under vitest, where a .ts file could not be required) and through webpack in the workflow
// bundle (workers/bundle.ts). `encodeCommonAttributes` moves each failure's message and stack trace into an
// encoded payload, which the payload codec then encrypts, so error texts never rest in clear in the history.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
