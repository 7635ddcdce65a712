export type { EmulatorConsole } from "./console/mount";
export { type Emulator, startEmulator } from "./emulator";
export { EmulatorCallError } from "./emulator-call";
export type { ErrorBody, ValidationIssue } from "./errors";
export { type Fault, GATEWAY_OUTAGE } from "./fault";
export { EmulatorOptionError, type EmulatorOptions } from "./options";
export { DataFileError } from "./persistence";
export { type SeedData, SeedError } from "./seed";
