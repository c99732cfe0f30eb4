/**
 * One mutation for the many small actions of an admin table (disable, reset, delete, revoke…):
 * `run(() => api.x.y(…), 'Done.')`, then `message` holds the error or success sentence to show,
 * and the given query keys are refetched whatever the outcome.
 */
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { problemText } from './admin-errors.js';

interface Step {
  call: () => Promise<unknown>;
  done?: string;
}

export function useAction(refetch: QueryKey[]) {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: (s: Step) => s.call(),
    onSettled: () => Promise.all(refetch.map((queryKey) => qc.invalidateQueries({ queryKey }))),
  });
  const message: { kind: 'error' | 'ok'; text: string } | null = m.error
    ? { kind: 'error', text: problemText(m.error) }
    : m.isSuccess && m.variables.done
      ? { kind: 'ok', text: m.variables.done }
      : null;
  return {
    run: (call: () => Promise<unknown>, done?: string) => m.mutate(done === undefined ? { call } : { call, done }),
    runAsync: (call: () => Promise<unknown>, done?: string) => m.mutateAsync(done === undefined ? { call } : { call, done }),
    busy: m.isPending,
    message,
    reset: m.reset,
  };
}
