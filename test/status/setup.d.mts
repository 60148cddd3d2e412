export declare const CHROMIUM: string;
export declare const CHROMIUM_ARGS: string[];
export declare function ensureChromium(): { executablePath: string; args: string[] };
