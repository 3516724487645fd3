import { throttleScenarios } from '../helpers/throttle-scenarios.js';

throttleScenarios('in process', () => ({}));
