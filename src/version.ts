declare const __INBAND_VERSION__: string | undefined;

/** Set by the bundler from package.json; "dev" when running from source. */
export const VERSION: string = typeof __INBAND_VERSION__ === 'string' ? __INBAND_VERSION__ : 'dev';
