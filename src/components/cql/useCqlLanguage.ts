import { useCallback, useEffect, useLayoutEffect, useRef } from 'react';
import { getTemplateSrv } from '@grafana/runtime';
import type { Monaco, MonacoEditor } from '@grafana/ui';

import { getColumns, getKeyspaces, getTables, PostResourceClient, ResourceClient, validateCql } from '../../resources';
import { attachSchemaSource, SchemaSource } from './completion';
import { CQL_LANGUAGE_ID, registerCqlLanguage } from './language';
import { locateCassandraError } from './markers';

/** What the CQL language support needs of the data source: schema lookups and the validate route. */
export type CqlLanguageClient = ResourceClient & PostResourceClient & { defaultKeyspace?: string };

export interface CqlLanguageOptions {
  /** Resource calls for completion and validation; without it the editor still edits text. */
  datasource?: CqlLanguageClient;
  /** The last run's error, marked in the text where Cassandra places it. */
  runError?: string;
  /** Called once the editor is mounted and the language is wired, for the editor's own actions. */
  onMount?: (editor: MonacoEditor, monaco: Monaco) => void;
}

export interface CqlLanguage {
  /** The mounted editor and its Monaco, for reading the text and editing it. */
  editorRef: React.RefObject<{ editor: MonacoEditor; monaco: Monaco } | undefined>;
  /** Props for @grafana/ui CodeEditor. */
  editorProps: {
    language: string;
    onBeforeEditorMount: (monaco: Monaco) => void;
    onEditorDidMount: (editor: MonacoEditor, monaco: Monaco) => void;
  };
}

// Marker owners: the backend's checks while typing, Cassandra's answer to the last run.
export const OWNER_VALIDATE = 'cassandra-metrics-validate';
export const OWNER_RUN = 'cassandra-metrics-run';
// Checked after typing pauses this long, so a request does not follow every key.
export const VALIDATE_DELAY_MS = 300;

/**
 * The CQL language support of a CodeEditor, shared by the panel's CQL editor and the variable
 * editor: CQL highlighting, completion of keyspaces, tables, columns, macros, variables and
 * functions, the backend's validation marked as the user types, and the last run's error marked
 * where Cassandra places it.
 */
export function useCqlLanguage({ datasource, runError, onMount }: CqlLanguageOptions): CqlLanguage {
  const editorRef = useRef<{ editor: MonacoEditor; monaco: Monaco } | undefined>(undefined);
  // Monaco's callbacks are bound once at mount: they read the latest options through a ref.
  const latest = useRef({ datasource, onMount });
  useLayoutEffect(() => {
    latest.current = { datasource, onMount };
  });

  // Cassandra's complaint about the last run, where it points in the text.
  useEffect(() => {
    const ref = editorRef.current;
    const model = ref?.editor.getModel();
    if (!ref || !model) {
      return;
    }
    const at = runError ? locateCassandraError(model.getValue(), runError) : undefined;
    ref.monaco.editor.setModelMarkers(
      model,
      OWNER_RUN,
      at
        ? [
            {
              severity: ref.monaco.MarkerSeverity.Error,
              message: runError!,
              startLineNumber: at.line,
              startColumn: at.column,
              endLineNumber: at.endLine,
              endColumn: at.endColumn,
            },
          ]
        : []
    );
  }, [runError]);

  const onEditorDidMount = useCallback((editor: MonacoEditor, monaco: Monaco) => {
    editorRef.current = { editor, monaco };
    const model = editor.getModel();
    if (!model) {
      return;
    }
    const withClient = <T>(f: (c: ResourceClient) => Promise<T[]>): Promise<T[]> => {
      const c = latest.current.datasource;
      return c ? f(c) : Promise.resolve([]);
    };
    const source: SchemaSource = {
      get defaultKeyspace() {
        return latest.current.datasource?.defaultKeyspace;
      },
      keyspaces: () => withClient((c) => getKeyspaces(c)),
      tables: (ks) => withClient((c) => getTables(c, ks)),
      columns: (ks, t) => withClient((c) => getColumns(c, ks, t)),
      variables: () =>
        getTemplateSrv()
          .getVariables()
          .map((v) => v.name),
    };
    const detach = attachSchemaSource(monaco, model, source);

    // The backend's checks, with the problem marked where it is; a newer text wins.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let generation = 0;
    const check = () => {
      const client = latest.current.datasource;
      const text = model.getValue();
      const mine = ++generation;
      if (!client || text.trim() === '') {
        monaco.editor.setModelMarkers(model, OWNER_VALIDATE, []);
        return;
      }
      validateCql(client, text)
        .then((v) => {
          if (mine !== generation || model.isDisposed()) {
            return;
          }
          monaco.editor.setModelMarkers(
            model,
            OWNER_VALIDATE,
            v.problems.map((p) => ({
              severity: monaco.MarkerSeverity.Error,
              message: p.message,
              startLineNumber: p.line,
              startColumn: p.column,
              endLineNumber: p.endLine,
              endColumn: p.endColumn,
            }))
          );
        })
        .catch(() => {
          // No answer is no verdict: the query's own run reports errors.
        });
    };
    const changes = editor.onDidChangeModelContent(() => {
      // Cassandra's markers belong to the text that ran.
      monaco.editor.setModelMarkers(model, OWNER_RUN, []);
      clearTimeout(timer);
      timer = setTimeout(check, VALIDATE_DELAY_MS);
    });
    check();
    editor.onDidDispose(() => {
      clearTimeout(timer);
      changes.dispose();
      detach();
      editorRef.current = undefined;
    });
    latest.current.onMount?.(editor, monaco);
  }, []);

  return {
    editorRef,
    editorProps: { language: CQL_LANGUAGE_ID, onBeforeEditorMount: registerCqlLanguage, onEditorDidMount },
  };
}
