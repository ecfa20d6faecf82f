/** The gateway's SQL migrations (component `coupa-gateway`); resolves from src and dist alike. */
export const GATEWAY_MIGRATIONS = new URL('../migrations/', import.meta.url);
