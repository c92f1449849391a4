package engine

import (
	"testing"

	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// TestBucketNoticeCountsStatementsRun: the notice compares the statements run with those the
// query meant to run, which a refresh or a split sets in place of the plan's.
func TestBucketNoticeCountsStatementsRun(t *testing.T) {
	stmt := func(bucket string) query.Statement {
		return query.Statement{Args: []any{"s1", bucket}, Bucket: bucket}
	}
	plan := &query.Plan{BucketColumn: "day", BucketGranularity: "day", BucketArg: 1,
		Statements: []query.Statement{stmt("d1"), stmt("d2"), stmt("d3")}}
	tests := []struct {
		name      string
		reading   []query.Statement // nil: the plan's
		fromCache bool
		ran       []string // bucket of each statement run
		want      string
	}{
		{"whole plan", nil, false, []string{"d1", "d2", "d3"},
			`Read 3 day buckets of "day" with 3 statements, at most 3 at once; every statement found rows.`},
		{"scan stopped early", nil, false, []string{"d1"},
			`Read 1 day buckets of "day" with 1 statements, at most 1 at once (2 more not read: the scan stopped early); every statement found rows.`},
		{"refresh reads the last bucket", []query.Statement{stmt("d3")}, true, []string{"d3"},
			`Read 1 day buckets of "day" with 1 statements, at most 1 at once; the other bins from the bin cache; every statement found rows.`},
		{"split into more statements", []query.Statement{stmt("d1"), stmt("d2"), stmt("d2"), stmt("d3")}, false, []string{"d1", "d2", "d2", "d3"},
			`Read 3 day buckets of "day" with 4 statements, at most 4 at once; every statement found rows.`},
		{"every bin from the cache", []query.Statement{}, true, nil,
			`Every bin from the bin cache: no day bucket of "day" read.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := &bucketReads{plan: plan, labels: map[string]string{}}
			br.reading(plan.Statements, false)
			if tt.reading != nil {
				br.reading(tt.reading, tt.fromCache)
			}
			for _, b := range tt.ran {
				br.runs = append(br.runs, &bucketRun{bucket: b, rows: 1})
			}
			if got := br.notice(4); got != tt.want {
				t.Errorf("notice:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	var none *bucketReads
	none.reading(plan.Statements, true) // a query of a table without buckets: nothing to count
}
