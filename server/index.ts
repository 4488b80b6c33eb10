// The server package's public entry: the plugin and what it is built from. Everything else under
// server/ is internal and may move.
export { buildApp, type BuildAppOptions } from './app.js';
export type { Clock } from './clock.js';
export { ConfigError, loadConfig, type Config, type LoadConfigOptions, type TenantHost } from './config.js';
export { createServerDeps, type ServerDeps, type ServerDepsOptions } from './deps.js';
export { RequestError, type RequestErrorOptions } from './http/errors.js';
export { buildMetricsApp, createMetrics, type Metrics, type MetricsOptions } from './ops/metrics.js';
export { progressiveProfile, type AppDeps, type ProgressiveProfileOptions } from './plugin.js';
export { StoreUnavailableError, type ReserveResult, type SingleUseStore } from './store/single-use.js';
export type { Metadata, ProfilePatch, ProfileWriter, WriteOptions } from './upstream/profile-writer.js';
export type { ValidateValues, ValidationAnswer, ValidationContext } from './upstream/validation-hook.js';
export type { ServerForm } from './fields/form-definition.js';
export type { FieldValue } from '../common/wire.js';
