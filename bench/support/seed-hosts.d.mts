export declare const seededHostId: (i: number) => string;
export declare const seededHostname: (i: number) => string;
export declare function seededInventory(i: number): Record<string, unknown>;
export declare function seedHosts(options: { base: string; infraEnvId: string; agentToken: string; count: number; concurrency?: number }): Promise<void>;
