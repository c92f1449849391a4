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
			stmts := plan.Statements
			if tt.reading != nil {
				stmts = tt.reading
			}
			// The statements run in order, one row each; the rest did not run.
			runs := make([]int64, len(stmts))
			for i := range runs {
				runs[i] = -1
				if i < len(tt.ran) {
					if stmts[i].Bucket != tt.ran[i] {
						t.Fatalf("test case: statement %d reads %s, not %s", i, stmts[i].Bucket, tt.ran[i])
					}
					runs[i] = 1
				}
			}
			if got := bucketNotice(plan, stmts, runs, tt.fromCache, 4); got != tt.want {
				t.Errorf("notice:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
