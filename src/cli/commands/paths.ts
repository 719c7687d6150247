/** Where the CLI keeps things unless told otherwise. */
export const defaultDb = (): string => process.env.CURIO_DB ?? 'curio.db';
export const defaultModel = (): string => process.env.CURIO_MODEL ?? 'curio-model.bin';
