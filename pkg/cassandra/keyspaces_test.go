package cassandra

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAllowedKeyspacesSetting(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    []string
		wantErr string
	}{
		{name: "unset allows every keyspace but the system ones", json: `{"hosts":["h"]}`, want: nil},
		{name: "a list", json: `{"hosts":["h"],"keyspace":"metric_data","allowedKeyspaces":["metric_data","metrics_rollups"]}`, want: []string{"metric_data", "metrics_rollups"}},
		{name: "a comma string, spaces and repeats dropped", json: `{"hosts":["h"],"allowedKeyspaces":" metric_data, ,metrics_rollups,metric_data"}`, want: []string{"metric_data", "metrics_rollups"}},
		{name: "an empty list", json: `{"hosts":["h"],"allowedKeyspaces":[]}`, want: []string{}},
		{name: "wrong type", json: `{"hosts":["h"],"allowedKeyspaces":3}`,
			wantErr: `setting "allowedKeyspaces": want a list of keyspace names, e.g. ["metric_data", "metrics_rollups"]`},
		{name: "a system keyspace", json: `{"hosts":["h"],"allowedKeyspaces":["metric_data","system_auth"]}`,
			wantErr: `setting "allowedKeyspaces": system_auth is one of Cassandra's system keyspaces, which queries never read: remove it`},
		{name: "the data source's keyspace left out", json: `{"hosts":["h"],"keyspace":"metric_data","allowedKeyspaces":["metrics_rollups"]}`,
			wantErr: `setting "allowedKeyspaces": the data source's keyspace metric_data is not in it (metrics_rollups): add it, or leave the list empty to allow every keyspace but the system ones`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadSettings([]byte(tt.json), nil)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, s.AllowedKeyspaces); diff != "" {
				t.Errorf("allowedKeyspaces (-want +got):\n%s", diff)
			}
		})
	}
	if s, err := LoadSettings([]byte(`{"hosts":["h"],"allowedKeyspaces":["a"]}`), nil); err != nil || !strings.Contains(strings.Join(s.AllowedKeyspaces, ","), "a") {
		t.Errorf("no default keyspace: %v %v", s.AllowedKeyspaces, err)
	}
}
