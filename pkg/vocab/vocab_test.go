package vocab

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/duration"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

var update = flag.Bool("update", false, "write "+GeneratedFile+" from the backend's vocabulary")

// The checked-in TypeScript module is what the backend writes: a change to an aggregation, a
// fill, a default or the grammar's units that is not regenerated fails here.
func TestGeneratedTypeScript(t *testing.T) {
	path := filepath.Join("..", "..", GeneratedFile)
	want := TypeScript(Current())
	if *update {
		if err := os.WriteFile(path, want, 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the backend's vocabulary (run go generate ./pkg/vocab):\n%s", GeneratedFile, cmp.Diff(string(want), string(got)))
	}
}

// Cases is the shared table of inputs (testdata/vocabulary-cases.json); src/vocabulary.test.ts
// reads the same file.
type Cases struct {
	Durations []struct {
		Input          string `json:"input"`
		Interval       bool   `json:"interval"`
		Timeout        bool   `json:"timeout"`
		LateDataWindow bool   `json:"lateDataWindow"`
		NS             string `json:"ns"`
	} `json:"durations"`
	Aggregations []verdict `json:"aggregations"`
	Fills        []verdict `json:"fills"`
}

type verdict struct {
	Input  string `json:"input"`
	Accept bool   `json:"accept"`
}

func readCases(t *testing.T) Cases {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vocabulary-cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c Cases
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// validQuery is a builder query that Validate accepts, with one field set by the case.
func validQuery(t *testing.T, field string, v any) error {
	t.Helper()
	m := map[string]any{
		"queryType": "builder", "keyspace": "k", "table": "t", "timeColumn": "ts", "valueColumns": []string{"v"},
		"fillValue": 1,
	}
	m[field] = v
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	q, err := query.Parse(raw)
	if err != nil {
		return err
	}
	return q.Validate()
}

func loadSetting(name, v string) error {
	raw, _ := json.Marshal(map[string]any{"hosts": []string{"h"}, name: v})
	_, err := cassandra.LoadSettings(raw, nil)
	return err
}

func TestSharedCasesDurations(t *testing.T) {
	for _, c := range readCases(t).Durations {
		// A query's interval: the query's validation and the engine's bin width agree.
		verr := validQuery(t, "interval", c.Input)
		w, werr := binning.ParseWidth(c.Input)
		if (verr == nil) != c.Interval || (werr == nil) != c.Interval {
			t.Errorf("interval %q: Validate error %v, ParseWidth error %v; want accepted %v", c.Input, verr, werr, c.Interval)
		}
		if err := loadSetting("connectTimeout", c.Input); (err == nil) != c.Timeout {
			t.Errorf("connectTimeout %q: error %v; want accepted %v", c.Input, err, c.Timeout)
		}
		if err := loadSetting("queryTimeout", c.Input); (err == nil) != c.Timeout {
			t.Errorf("queryTimeout %q: error %v; want accepted %v", c.Input, err, c.Timeout)
		}
		if err := loadSetting("lateDataWindow", c.Input); (err == nil) != c.LateDataWindow {
			t.Errorf("lateDataWindow %q: error %v; want accepted %v", c.Input, err, c.LateDataWindow)
		}
		if c.NS == "" {
			continue
		}
		want, err := strconv.ParseInt(c.NS, 10, 64)
		if err != nil {
			t.Fatalf("%q: ns %q: %v", c.Input, c.NS, err)
		}
		if c.Interval && int64(w) != want {
			t.Errorf("interval %q = %d ns, want %d", c.Input, w, want)
		}
		if c.Timeout || c.LateDataWindow {
			if d, err := duration.ParseSetting(c.Input); err != nil || int64(d) != want {
				t.Errorf("setting %q = %d ns, %v; want %d", c.Input, d, err, want)
			}
		}
	}
}

func TestSharedCasesAggregationsAndFills(t *testing.T) {
	c := readCases(t)
	for _, a := range c.Aggregations {
		if err := validQuery(t, "aggregations", []string{a.Input}); (err == nil) != a.Accept {
			t.Errorf("aggregation %q: error %v; want accepted %v", a.Input, err, a.Accept)
		}
	}
	for _, f := range c.Fills {
		if err := validQuery(t, "fill", f.Input); (err == nil) != f.Accept {
			t.Errorf("fill %q: error %v; want accepted %v", f.Input, err, f.Accept)
		}
	}
}

// Every aggregation and fill the backend offers is in the table, so a new one is tried by both
// sides.
func TestSharedCasesCoverTheVocabulary(t *testing.T) {
	c := readCases(t)
	inTable := func(vs []verdict, name string) bool {
		for _, v := range vs {
			if v.Input == name && v.Accept {
				return true
			}
		}
		return false
	}
	v := Current()
	for _, a := range v.Aggregations {
		if a != "p75" && a != "p90" && a != "p95" && a != "p99" && !inTable(c.Aggregations, a) {
			t.Errorf("aggregation %q is not in the shared table", a)
		}
	}
	for _, f := range v.FillModes {
		if !inTable(c.Fills, f) {
			t.Errorf("fill %q is not in the shared table", f)
		}
	}
}
