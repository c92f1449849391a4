package cassandra

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// validateKeyspaces checks allowedKeyspaces: no system keyspace (user queries never read one,
// so listing it would promise what does not happen), and the data source's own keyspace among
// them when both are set (otherwise every query of the default keyspace would be refused).
func (s Settings) validateKeyspaces() error {
	for _, ks := range s.AllowedKeyspaces {
		if schema.IsSystemKeyspace(ks) {
			return &SettingsError{Field: "allowedKeyspaces", Msg: fmt.Sprintf("%s is one of Cassandra's system keyspaces, which queries never read: remove it", ks)}
		}
	}
	if s.Keyspace != "" && len(s.AllowedKeyspaces) > 0 && !slices.Contains(s.AllowedKeyspaces, s.Keyspace) {
		return &SettingsError{Field: "allowedKeyspaces", Msg: fmt.Sprintf("the data source's keyspace %s is not in it (%s): add it, or leave the list empty to allow every keyspace but the system ones",
			s.Keyspace, strings.Join(s.AllowedKeyspaces, ", "))}
	}
	return nil
}

// keyspaceList accepts a JSON list of keyspace names or one comma-separated string (what a
// provisioning file or an environment variable holds), dropping spaces and empty names.
type keyspaceList struct{ dst *[]string }

func (k *keyspaceList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		var one string
		if err2 := json.Unmarshal(b, &one); err2 != nil {
			return fmt.Errorf(`want a list of keyspace names, e.g. ["metric_data", "metrics_rollups"]`)
		}
		list = strings.Split(one, ",")
	}
	out := []string{}
	for _, x := range list {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	*k.dst = out
	return nil
}
