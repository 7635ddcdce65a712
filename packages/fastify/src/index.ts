import { keyguard } from "./plugin";

export type { FastifyRouteUnkeyOptions, KeyguardFastifyOptions } from "./options";
export { keyguard };
export default keyguard;
