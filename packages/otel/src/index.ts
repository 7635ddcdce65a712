export {
  type InstrumentKeyguardOptions,
  instrumentKeyguard,
  type KeyguardInstrumentation,
  type StatsSource,
} from "./instrument";
