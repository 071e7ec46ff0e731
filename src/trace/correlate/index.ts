/** Script correlation and SASL login assessment: pure functions over collected evidence. */
export {
  correlateScripts,
  DEFAULT_CORRELATION_OPTIONS,
  NOTHING_CORRELATES,
  NO_WEB_REQUESTS,
  type CorrelationOptions,
  type ScriptCorrelation,
  type ScriptCorrelationInput,
} from './correlate-scripts';
export { headerScriptName, type Submission } from './match-submissions';
export { candidateFilePaths, filePathIn } from './script-path';
export { isRandomScriptName, randomNameReason } from './random-name';
export { SCRIPT_SIGNAL_RULES } from '../rules/script-signal-rules';
export { assessSaslLogin, type SaslLoginInput, type SaslClient, type SaslLogin } from './assess-sasl-login';
export { networkOf } from './ip-network';
export { SASL_RULES, STOLEN_SCORE, UNCLEAR_SCORE } from '../rules/sasl-rules';
