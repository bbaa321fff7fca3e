export { fingerprintOf, notificationIdOf, transitionIdOf } from './identity.js';
export { HISTORY_LENGTH, historyOfCheck, listActiveAlerts, stageAlert, stageTransition, type ActiveAlert, type StateTransition } from './store.js';
export { alreadyNotified, recordNotified, type NotificationRecord } from './notification-log.js';
export { equalityMatchers, formatMatcher, formatMatchers, labelMatcherText, matchesAll, matcherMatches, MatcherSyntaxError, parseMatcher, parseMatchers, type LabelMatcher, type MatchOperator } from './matchers.js';
