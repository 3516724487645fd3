import { sharedThrottleOptions } from '../helpers/redis.js';
import { throttleScenarios } from '../helpers/throttle-scenarios.js';

// The same rules, counted in Redis: its scripts take the callers' clock, so the fake clock drives them too.
throttleScenarios('Redis', sharedThrottleOptions);
