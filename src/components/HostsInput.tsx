import React, { useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Button, IconButton, Input, useStyles2 } from '@grafana/ui';

interface Props {
  id?: string;
  hosts: string[];
  placeholder?: string;
  invalid?: boolean;
  /** Accessible name of the list of entries. */
  listLabel?: string;
  /** Receives the list with the typed text appended, as entered; the caller normalises it. */
  onChange: (hosts: string[]) => void;
}

/**
 * Contact points as removable tags. Like Grafana's TagsInput (Enter, the Add button or leaving the
 * field adds what was typed) but without its 50-character limit, which refuses ordinary
 * Kubernetes and cloud host names and pasted lists, and showing each host in full.
 */
export function HostsInput({ id, hosts, placeholder, invalid, listLabel = 'Contact points', onChange }: Props) {
  const styles = useStyles2(getStyles);
  const [text, setText] = useState('');

  const add = () => {
    if (text.trim() !== '') {
      onChange([...hosts, text]);
    }
    setText('');
  };

  return (
    <div className={styles.wrapper}>
      <Input
        id={id}
        placeholder={placeholder}
        value={text}
        invalid={invalid}
        onChange={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            add();
          }
        }}
        onBlur={add}
        suffix={
          <Button fill="text" size="md" className={styles.addButton} disabled={text.trim() === ''} onClick={add}>
            Add
          </Button>
        }
      />
      {hosts.length > 0 && (
        <ul className={styles.tags} aria-label={listLabel}>
          {hosts.map((host) => (
            <li key={host} className={styles.tag}>
              <span>{host}</span>
              <IconButton
                name="times"
                size="lg"
                className={styles.remove}
                tooltip={`Remove ${host}`}
                onClick={() => onChange(hosts.filter((h) => h !== host))}
              />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    maxWidth: theme.spacing(64),
  }),
  addButton: css({
    margin: `0 -${theme.spacing(1)}`,
  }),
  tags: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
    listStyle: 'none',
    margin: 0,
    padding: 0,
  }),
  tag: css({
    display: 'flex',
    alignItems: 'center',
    gap: '3px',
    height: theme.spacing(3),
    padding: theme.spacing(0, 0.5),
    border: `1px solid ${theme.components.input.borderColor}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    color: theme.colors.text.primary,
    fontSize: theme.typography.bodySmall.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    whiteSpace: 'nowrap',
    maxWidth: '100%',
    span: { overflow: 'hidden', textOverflow: 'ellipsis' },
  }),
  remove: css({
    margin: 0,
  }),
});
