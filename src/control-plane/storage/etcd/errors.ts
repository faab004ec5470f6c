import { StorageError } from '../interface.js';

/**
 * Maps errors from the etcd3 client (gRPC status errors re-typed by message)
 * to the storage error catalog. The messages are etcd's own
 * (`etcdserver: mvcc: required revision has been compacted`, ...).
 */
export function mapEtcdError(err: unknown, context: string): StorageError {
  if (err instanceof StorageError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const name = err instanceof Error ? err.constructor.name : '';
  if (/required revision has been compacted/.test(msg)) {
    return new StorageError('Compacted', `${context}: ${msg}`);
  }
  if (/required revision is a future revision/.test(msg)) {
    return new StorageError('FutureRevision', `${context}: ${msg}`);
  }
  if (/request is too large|received message larger than max|RESOURCE_EXHAUSTED|too many operations in txn/.test(msg)) {
    return new StorageError('InvalidArgument', `${context}: ${msg}`);
  }
  if (name === 'ClientClosedError' || /client was already closed/.test(msg)) {
    return new StorageError('Closed', `${context}: etcd client is closed`);
  }
  return new StorageError('Unavailable', `${context}: ${msg}`);
}

/**
 * Transient failures worth retrying on another member or after an election:
 * connection refused/reset, no leader, leader changed, timeouts, open circuit
 * breakers. Semantic errors (compacted, too large, permission) are not.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof StorageError) return false;
  const msg = err instanceof Error ? err.message : String(err);
  const name = err instanceof Error ? err.constructor.name : '';
  if (name === 'ClientClosedError') return false;
  if (/compacted|future revision|too large|larger than max|permission denied|auth/i.test(msg)) return false;
  return (
    /UNAVAILABLE|DEADLINE_EXCEEDED|CANCELLED|INTERNAL|UNKNOWN|ABORTED|no leader|leader changed|timed out|timeout|circuit|ECONNREFUSED|ECONNRESET|No connection|too many requests|not capable|unhealthy/i.test(
      msg,
    ) ||
    name === 'GRPCUnavailableError' ||
    name === 'GRPCDeadlineExceededError' ||
    name === 'BrokenCircuitError'
  );
}
