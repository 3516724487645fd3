/** A configuration that cannot start the service. Its message names the variable, never a value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
