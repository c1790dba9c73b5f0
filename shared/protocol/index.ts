export * from './envelope.ts';
export * from './errors.ts';
export * from './methods.ts';
export * from './notifications.ts';
export * from './primitives.ts';
export * from './session.ts';
export * from './media.ts';
export * from './version.ts';
