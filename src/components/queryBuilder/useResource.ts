import { useEffect, useState } from 'react';

import { resourceErrorMessage } from '../../resources';

export interface ResourceState<T> {
  value?: T;
  loading: boolean;
  error?: string;
}

interface Settled<T> {
  key: string;
  value?: T;
  error?: string;
}

/**
 * Loads a resource whenever `key` changes (undefined = nothing to load). Answers to an older key are
 * dropped, so quick changes of keyspace or table never show another table's columns.
 */
export function useResource<T>(key: string | undefined, load: () => Promise<T>): ResourceState<T> {
  const [settled, setSettled] = useState<Settled<T> | undefined>(undefined);

  useEffect(() => {
    if (key === undefined) {
      return;
    }
    let current = true;
    load().then(
      (value) => current && setSettled({ key, value }),
      (err) => current && setSettled({ key, error: resourceErrorMessage(err) })
    );
    return () => {
      current = false;
    };
    // `load` is a fresh closure each render; `key` says when its answer changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  if (key === undefined) {
    return { loading: false };
  }
  if (!settled || settled.key !== key) {
    return { loading: true };
  }
  return { value: settled.value, error: settled.error, loading: false };
}
