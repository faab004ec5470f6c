import { type DefaulterTable, isNil, isZero, objectField, structField } from './util.js';

/**
 * flowcontrol.apiserver.k8s.io/v1 defaulters (upstream
 * `pkg/apis/flowcontrol/v1/defaults.go`). In v1 an explicit
 * `nominalConcurrencyShares: 0` is meaningful and kept; only an unset value
 * becomes 30.
 */
export const flowcontrolDefaulters: DefaulterTable = {
  FlowSchema: (fs) => {
    const spec = structField(fs, 'spec');
    if (spec && isZero(spec.matchingPrecedence)) spec.matchingPrecedence = 1000;
  },
  PriorityLevelConfiguration: (plc) => {
    const spec = objectField(plc, 'spec');
    if (!spec) return;
    const limited = objectField(spec, 'limited');
    if (limited) {
      if (isNil(limited.nominalConcurrencyShares)) limited.nominalConcurrencyShares = 30;
      if (isNil(limited.lendablePercent)) limited.lendablePercent = 0;
      const queuing = objectField(limited, 'limitResponse') && objectField(limited.limitResponse, 'queuing');
      if (queuing) {
        if (isZero(queuing.handSize)) queuing.handSize = 8;
        if (isZero(queuing.queues)) queuing.queues = 64;
        if (isZero(queuing.queueLengthLimit)) queuing.queueLengthLimit = 50;
      }
    }
    const exempt = objectField(spec, 'exempt');
    if (exempt) {
      if (isNil(exempt.nominalConcurrencyShares)) exempt.nominalConcurrencyShares = 0;
      if (isNil(exempt.lendablePercent)) exempt.lendablePercent = 0;
    }
  },
};
